using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;

namespace Containerize.Cli.Commands;

/// <summary>Diagnostic layer commands: eng/bench/layers and eng/bench/unpack time the writer and the unpacker through them, and they help inspect a layer.</summary>
internal static class LayerCommands
{
    // Layers are applied with Linux's file system calls only (owners, devices, xattrs).
    public static IEnumerable<CliCommand> All => OperatingSystem.IsLinux() ? [new Create(), new List(), new Apply()] : [new Create(), new List()];

    private sealed class Create : CliCommand
    {
        public override string Name => "layer create";

        public override string Usage => "containerize layer create DIR OUT [DIR OUT ...] [--jobs N] [--compression gzip|zstd|none] [--level N] [--threads N] [--timestamp SECONDS] [--uid N] [--gid N] [--chmod MODE]";

        public override string Summary => "(diagnostic) write folders as reproducible layer blobs (several in parallel) and print their digests and diff_ids";

        public override IReadOnlyList<OptionSpec> Options =>
        [
            OptionSpec.Value("gzip (default), zstd or none", "--compression"),
            OptionSpec.Value("compression level (gzip 1-9, default 3; zstd 1-22, default 3)", "--level"),
            OptionSpec.Value("cores each gzip layer is deflated on (default: all; 1 is a classic single-threaded gzip)", "--threads"),
            OptionSpec.Value("the time of every entry, in seconds since 1970 (default 0)", "--timestamp"),
            OptionSpec.Value("owner of every entry (default 0)", "--uid"),
            OptionSpec.Value("group of every entry (default 0)", "--gid"),
            OptionSpec.Value("octal mode for every file and folder, as COPY --chmod", "--chmod"),
            OptionSpec.Value("how many layers to write at once (default: the processor count)", "--jobs"),
            OptionSpec.Flag("(benchmark) write with TarFile.CreateFromDirectory into a GZipStream at Optimal instead", "--baseline-tarfile"),
        ];

        public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
        {
            if (args.Positionals.Count == 0 || args.Positionals.Count % 2 != 0) throw CommandArgs.Bad("give pairs of folder and output file", Usage);
            var pairs = args.Positionals.Chunk(2).Select(p => (Source: context.FullPath(p[0]), Output: context.FullPath(p[1]))).ToList();
            foreach (var (source, _) in pairs)
            {
                if (!Directory.Exists(source)) throw new ContainerizeException(GeneralErrors.FileNotFound, $"folder '{source}' does not exist", hint: "check the path");
            }

            if (args.Has("--baseline-tarfile"))
            {
                foreach (var (source, output) in pairs)
                {
                    await using var file = File.Create(output);
                    await using var gzip = new GZipStream(file, CompressionLevel.Optimal);
                    await TarFile.CreateFromDirectoryAsync(source, gzip, includeBaseDirectory: false, cancellationToken);
                }

                return 0;
            }

            var options = new LayerWriterOptions
            {
                Compression = args.Get("--compression") switch
                {
                    null or "gzip" => LayerCompression.Gzip,
                    "zstd" => LayerCompression.Zstd,
                    "none" => LayerCompression.None,
                    var other => throw CommandArgs.Bad($"unknown compression '{other}'", Usage),
                },
                CompressionLevel = Int(args, "--level"),
                CompressionThreads = Int(args, "--threads") is { } threads && threads > 0 ? threads : null,
                Timestamp = DateTimeOffset.FromUnixTimeSeconds(Int(args, "--timestamp") ?? 0),
                Uid = Int(args, "--uid") ?? 0,
                Gid = Int(args, "--gid") ?? 0,
                ModeRule = args.Get("--chmod") is { } chmod ? LayerModeRules.Fixed(LayerModeRules.ParseOctal(chmod)) : null,
            };

            // Written beside the targets and renamed, so a failed run never leaves a partial blob behind.
            var temps = pairs.Select(p => p.Output + ".tmp-" + Guid.NewGuid().ToString("N")[..8]).ToList();
            var files = new List<FileStream>();
            IReadOnlyList<LayerResult> results;
            try
            {
                var requests = new List<LayerWriteRequest>();
                for (var i = 0; i < pairs.Count; i++)
                {
                    files.Add(new FileStream(temps[i], FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));
                    requests.Add(new LayerWriteRequest(LayerSource.FromDirectory(pairs[i].Source), files[i], options));
                }

                results = await LayerWriter.WriteManyAsync(requests, Int(args, "--jobs"), cancellationToken);
                foreach (var f in files) await f.DisposeAsync();
                for (var i = 0; i < pairs.Count; i++) File.Move(temps[i], pairs[i].Output, overwrite: true);
            }
            finally
            {
                foreach (var f in files) await f.DisposeAsync();
                foreach (var t in temps) File.Delete(t);
            }

            for (var i = 0; i < pairs.Count; i++)
            {
                var result = results[i];
                if (pairs.Count > 1) context.Out.WriteLine($"layer:             {args.Positionals[2 * i + 1]}");
                context.Out.WriteLine($"digest:            {result.Blob.Digest}");
                context.Out.WriteLine($"diff_id:           {result.DiffId}");
                context.Out.WriteLine($"media type:        {result.Blob.MediaType}");
                context.Out.WriteLine($"size:              {result.Blob.Size}");
                context.Out.WriteLine($"uncompressed size: {result.UncompressedSize}");
            }

            return 0;
        }
    }

    private sealed class List : CliCommand
    {
        public override string Name => "layer ls";

        public override string Usage => "containerize layer ls LAYER";

        public override string Summary => "(diagnostic) list a layer's entries (gzip, zstd or plain tar) with modes, owners and sizes";

        public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
        {
            if (args.Positionals.Count != 1) throw CommandArgs.Bad("give the layer file", Usage);
            var path = context.FullPath(args.Positionals[0]);
            if (!File.Exists(path)) throw new ContainerizeException(GeneralErrors.FileNotFound, $"file '{args.Positionals[0]}' does not exist", hint: "check the path");
            await using var file = File.OpenRead(path);
            var listing = await LayerReader.ListAsync(file, cancellationToken: cancellationToken);
            foreach (var e in listing.Entries)
            {
                var link = e.LinkTarget is null ? "" : (e.Kind == LayerEntryKind.Symlink ? " -> " : " link to ") + e.LinkTarget;
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Kind(e.Kind)} {Convert.ToString((int)e.Mode, 8).PadLeft(4, '0')} {e.Uid}/{e.Gid} {e.Size,10} {e.Path}{link}"));
            }

            context.Out.WriteLine($"digest:  {listing.Read.Digest} ({listing.Read.Compression}, {listing.Read.CompressedSize} bytes)");
            context.Out.WriteLine($"diff_id: {listing.Read.DiffId} ({listing.Read.UncompressedSize} bytes)");
            return 0;
        }

        private static string Kind(LayerEntryKind kind) => kind switch
        {
            LayerEntryKind.File => "-",
            LayerEntryKind.Directory => "d",
            LayerEntryKind.Symlink => "l",
            LayerEntryKind.Hardlink => "h",
            LayerEntryKind.Whiteout => "w",
            LayerEntryKind.OpaqueWhiteout => "o",
            LayerEntryKind.CharDevice => "c",
            LayerEntryKind.BlockDevice => "b",
            _ => "p",
        };
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private sealed class Apply : CliCommand
    {
        public override string Name => "layer apply";

        public override string Usage => "containerize layer apply [--whiteouts apply|overlay] [--no-owners] ROOT LAYER [LAYER ...]";

        public override string Summary => "(diagnostic) apply layer blobs (gzip, zstd or plain tar; lowest first) to a folder, as a rootfs or as overlayfs lower folders";

        public override IReadOnlyList<OptionSpec> Options =>
        [
            OptionSpec.Value("apply (default): whiteouts delete what lower layers put there; overlay: kept as overlayfs whiteouts (0/0 character devices, the trusted.overlay.opaque xattr)", "--whiteouts"),
            OptionSpec.Flag("leave every entry owned by the caller (default: the layer's owners when run as root)", "--no-owners"),
        ];

        public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
        {
            if (args.Positionals.Count < 2) throw CommandArgs.Bad("give the root folder and at least one layer", Usage);
            var overlay = args.Get("--whiteouts") switch
            {
                null or "apply" => false,
                "overlay" => true,
                var other => throw CommandArgs.Bad($"unknown whiteout mode '{other}'", Usage),
            };
            var noOwners = args.Has("--no-owners");

            var root = context.FullPath(args.Positionals[0]);
            var layers = args.Positionals.Skip(1).Select(context.FullPath).ToList();
            foreach (var layer in layers)
            {
                if (!File.Exists(layer)) throw new ContainerizeException(GeneralErrors.FileNotFound, $"layer file '{layer}' does not exist", hint: "check the path");
            }

            Directory.CreateDirectory(root);
            var options = new LayerApplyOptions
            {
                PreserveOwners = noOwners ? false : null,
                Whiteouts = overlay ? WhiteoutMode.OverlayFormat : WhiteoutMode.Apply,
            };
            foreach (var layer in layers)
            {
                await using var blob = new FileStream(layer, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                try
                {
                    await LayerApplier.ApplyAsync(root, blob, options, cancellationToken: cancellationToken);
                }
                catch (ContainerizeException e) when (e.Diagnostic.File is null)
                {
                    // The unpacker does not know which file it read: name it, so a bad layer among several is found.
                    throw new ContainerizeException(e.Diagnostic with { File = layer }, e);
                }
            }

            return 0;
        }
    }

    private static int? Int(CommandArgs args, string key)
    {
        if (args.Get(key) is not { } text) return null;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new ContainerizeException(GeneralErrors.BadArguments, $"{key} needs a whole number, got '{text}'", hint: "write a number such as 0 or 1000");
    }
}
