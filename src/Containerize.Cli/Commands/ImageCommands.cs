using Containerize.Core.Destinations;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;

namespace Containerize.Cli.Commands;

/// <summary>The store and its exporters and importers: images, save, load, load-into, import, tag, prune, store check.</summary>
internal static class ImageCommands
{
    public static IEnumerable<CliCommand> All =>
    [
        new ImagesCommand(),
        new SaveCommand(),
        new LoadCommand(),
        new LoadIntoCommand(),
        new TagCommand(),
        new PruneCommand(),
        new StoreCheckCommand(),
        new ImportCommand(),
        .. ImageLifecycleCommands.All,
        .. LayerCommands.All,
    ];

    internal static readonly OptionSpec StoreOption = OptionSpec.Value("the store folder (default: $CONTAINERIZE_STORE, else ~/.cache/containerize/store)", "--store");
    internal static readonly OptionSpec PlatformOption = OptionSpec.Value("the platform to pick from a multi-platform image (default linux/amd64)", "--platform");

    internal static async Task<OciLayoutStore> OpenStoreAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var store = await OciLayoutStore.OpenOrCreateAsync(StoreLocation.Resolve(args.Get("--store") is { } s ? context.FullPath(s) : null), cancellationToken).ConfigureAwait(false);
        // A base a build left in its registry is fetched when a command reads its layers (save, load, run, export);
        // with --offline that is a coded error (CTZ4031). The client is made on the first fetch and lives as long as
        // this process.
        store.Remote = new Core.Registry.RegistryBlobFetcher(RegistryCommands.OptionsFrom(args, context, args.Has("--offline")));
        return store;
    }

    internal static Platform PlatformOf(CommandArgs args) => args.Get("--platform") is { } p ? Platform.Parse(p) : Platform.LinuxAmd64;

    internal static string Positional(CommandArgs args, int index, string usage) =>
        index < args.Positionals.Count ? args.Positionals[index] : throw CommandArgs.Bad("missing argument", usage);

    internal static void NoMorePositionals(CommandArgs args, int count, string usage)
    {
        if (args.Positionals.Count > count) throw CommandArgs.Bad($"unexpected argument '{args.Positionals[count]}'", usage);
    }
}

internal sealed class ImagesCommand : CliCommand
{
    public override string Name => "images";
    public override string Usage => "containerize images [--filter label=KEY[=VALUE]|dangling=true|false|reference=PATTERN]... [-q] [--no-trunc] [--digests] [-a] [--store DIR]";
    public override string Summary => "List the images of the store (tagged, and dangling ones as <none>), as 'docker images' does.";
    public override IReadOnlyList<OptionSpec> Options =>
    [
        ImageLifecycleCommands.FilterOption,
        OptionSpec.Flag("print only the image IDs", "-q", "--quiet"),
        OptionSpec.Flag("print full image IDs (sha256:...)", "--no-trunc"),
        OptionSpec.Flag("add the DIGEST column (registry digests: <none>, the store records none)", "--digests"),
        OptionSpec.Flag("accepted as docker's: a BuildKit-style store has no intermediate images to show", "-a", "--all"),
        ImageCommands.StoreOption,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        ImageCommands.NoMorePositionals(args, 0, Usage);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var rows = await new ImageLister(store).ListAsync(args.GetAll("--filter"), cancellationToken).ConfigureAwait(false);
        string Id(ImageSummary r) => args.Has("--no-trunc") ? r.ImageId.ToString() : r.ImageId.ShortId;
        if (args.Has("--quiet"))
        {
            // As docker images -q: one line per image id, an image with several tags once.
            foreach (var id in rows.Select(Id).Distinct()) context.Out.WriteLine(id);
            return 0;
        }

        var now = DateTimeOffset.UtcNow;
        var digests = args.Has("--digests");
        IReadOnlyList<string> header = digests ? ["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"] : ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];
        DockerTable.Write(context.Out, header, rows.Select(r => (IReadOnlyList<string>)(digests
            ? [r.Repository, r.Tag, "<none>", Id(r), HumanUnits.Ago(r.Created, now), HumanUnits.Size(r.Size, precision: 3)]
            : [r.Repository, r.Tag, Id(r), HumanUnits.Ago(r.Created, now), HumanUnits.Size(r.Size, precision: 3)])));
        return 0;
    }
}

internal sealed class SaveCommand : CliCommand
{
    public override string Name => "save";
    public override string Usage => "containerize save REF --output oci-layout:DIR[:TAG] | oci-archive:FILE | docker-archive:FILE [--store DIR]";
    public override string Summary => "Export an image from the store to an OCI layout, an OCI archive or a docker-archive.";
    public override IReadOnlyList<OptionSpec> Options => [OptionSpec.Value("where to write the image", "-o", "--output"), ImageCommands.PlatformOption, ImageCommands.StoreOption];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(ImageCommands.Positional(args, 0, Usage));
        ImageCommands.NoMorePositionals(args, 1, Usage);
        var output = args.Get("--output") ?? throw CommandArgs.Bad("--output is required", Usage);
        var destination = DestinationParser.ParseFile(output, context.WorkingDirectory);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var image = await store.ResolveRequiredAsync(reference, cancellationToken).ConfigureAwait(false);
        var name = reference.WithDefaultTag();
        var referrers = await Core.Supply.ImageAttestations.OfAsync(store, name, image.Digest, cancellationToken).ConfigureAwait(false);
        await destination.SendAsync(store, new OutgoingImage(image, [name]) { Platform = ImageCommands.PlatformOf(args), Referrers = referrers },
            new TextWriterSink(context.Error, context.Error), cancellationToken).ConfigureAwait(false);
        context.Out.WriteLine($"saved {name.FamiliarString} ({image.Digest}) to {destination}");
        return 0;
    }
}

internal sealed class LoadCommand : CliCommand
{
    public override string Name => "load";
    public override string Usage => "containerize load oci-layout://DIR[:TAG] | oci-archive://FILE | docker-archive://FILE [--tag REF] [--store DIR]";
    public override string Summary => "Copy an image from an OCI layout or archive into the store (verifying every blob) and tag it.";
    public override IReadOnlyList<OptionSpec> Options => [OptionSpec.Many("name the image in the store (default: the names the source carries)", "-t", "--tag"), ImageCommands.PlatformOption, ImageCommands.StoreOption];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var source = ImageLocation.Parse(ImageCommands.Positional(args, 0, Usage), context.WorkingDirectory);
        ImageCommands.NoMorePositionals(args, 1, Usage);
        var tags = args.GetAll("--tag").Select(ImageReference.Parse).ToList();
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var imported = await new ImageImporter(store) { Platform = ImageCommands.PlatformOf(args) }.ImportAsync(source, cancellationToken).ConfigureAwait(false);
        var names = tags.Count > 0 ? tags : imported.Names;
        foreach (var name in names) await store.TagAsync(name, imported.Manifest, cancellationToken).ConfigureAwait(false);
        context.Out.WriteLine($"loaded {imported.Manifest.Digest}" + (names.Count > 0 ? " as " + string.Join(", ", names.Select(n => n.WithDefaultTag().FamiliarString)) : " (untagged: give --tag to keep it from prune)"));
        return 0;
    }
}

internal sealed class LoadIntoCommand : CliCommand
{
    public override string Name => "load-into";
    public override string Usage => "containerize load-into docker|podman REF [--client PATH] [--store DIR]";
    public override string Summary => "Load an image from the store into Docker or Podman (streams a docker-archive to 'docker load').";
    public override IReadOnlyList<OptionSpec> Options => [OptionSpec.Value("the client program to run (default: docker or podman on PATH)", "--client"), ImageCommands.PlatformOption, ImageCommands.StoreOption];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var engine = ImageCommands.Positional(args, 0, Usage);
        var kind = DestinationParser.ParseEngine(engine) ?? throw CommandArgs.Bad($"unknown engine '{engine}'", Usage);
        var reference = ImageReference.Parse(ImageCommands.Positional(args, 1, Usage)).WithDefaultTag();
        ImageCommands.NoMorePositionals(args, 2, Usage);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var image = await store.ResolveRequiredAsync(reference, cancellationToken).ConfigureAwait(false);
        var destination = new DaemonDestination(kind) { Client = args.Get("--client") ?? engine };
        var requested = args.Get("--platform") is { } p ? Platform.Parse(p) : null;
        var (platform, note) = await EngineLoader.ChoosePlatformAsync(store, image, destination.Client, engine, requested, cancellationToken).ConfigureAwait(false);
        if (note is not null) context.Error.WriteLine(note);
        var result = await destination.SendAsync(store, new OutgoingImage(image, [reference]) { Platform = platform },
            new TextWriterSink(context.Error, context.Error), cancellationToken).ConfigureAwait(false);
        context.Out.WriteLine(result.LoadOutput is { Length: > 0 } output ? output : $"loaded {reference.FamiliarString} into {engine}");
        return 0;
    }
}

internal sealed class TagCommand : CliCommand
{
    public override string Name => "tag";
    public override string Usage => "containerize tag SOURCE|IMAGE-ID TARGET [--store DIR]";
    public override string Summary => "Give an image of the store another name.";
    public override IReadOnlyList<OptionSpec> Options => [ImageCommands.StoreOption];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var sourceText = ImageCommands.Positional(args, 0, Usage);
        var target = ImageReference.Parse(ImageCommands.Positional(args, 1, Usage));
        ImageCommands.NoMorePositionals(args, 2, Usage);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        // As docker tag: the source is a name, or an image id as 'images' prints it (a dangling image gets a name so).
        var image = ImageReference.TryParse(sourceText, out var source) && source is not null && await store.ResolveAsync(source, cancellationToken).ConfigureAwait(false) is { } named
            ? named
            : (await StoredImages.ReadAsync(store, ImageCommands.PlatformOf(args), cancellationToken).ConfigureAwait(false)).Find(sourceText).Image.Primary.Entry;
        await store.TagAsync(target, image, cancellationToken).ConfigureAwait(false);
        return 0;
    }
}

internal sealed class PruneCommand : CliCommand
{
    public override string Name => "prune";
    public override string Usage => "containerize prune [--max-size BYTES] [--dry-run] [--store DIR]";
    public override string Summary => "Delete dangling images, blobs no tag references and stale temporary files; with --max-size, also old cache entries.";
    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Value("keep the store under this size (bytes, or 500M, 10G), dropping the oldest cache entries first", "--max-size"),
        OptionSpec.Flag("only report what would be deleted", "--dry-run"),
        OptionSpec.Value("keep blobs younger than this many seconds (a build may not have tagged them yet; default 600)", "--grace-seconds"),
        ImageCommands.StoreOption,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        ImageCommands.NoMorePositionals(args, 0, Usage);
        var maxSize = args.Get("--max-size") is { } m ? HumanUnits.ParseSize(m) : (long?)null;
        var grace = args.Get("--grace-seconds") is { } g
            ? (int.TryParse(g, out var s) && s >= 0 ? TimeSpan.FromSeconds(s) : throw CommandArgs.Bad($"invalid --grace-seconds '{g}'", Usage))
            : TimeSpan.FromMinutes(10);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var pruner = new StorePruner(store) { GracePeriod = grace };
        // The build cache's step results are roots too: prune drops them oldest first, only to meet --max-size.
        pruner.AddRootSource(new Containerize.Core.Building.Cache.BuildCache(store));
        var result = await pruner.PruneAsync(maxSize, args.Has("--dry-run"), cancellationToken).ConfigureAwait(false);
        var verb = args.Has("--dry-run") ? "would delete" : "deleted";
        if (result.DanglingRemoved > 0) context.Out.WriteLine($"{verb} {result.DanglingRemoved} dangling images (untagged entries of index.json)");
        context.Out.WriteLine($"{verb} {result.BlobsDeleted} blobs ({HumanUnits.Size(result.BytesFreed)}) and {result.IngestFilesDeleted} temporary files; {HumanUnits.Size(result.BytesKept)} kept");
        if (maxSize is { } bound && result.BytesKept > bound)
        {
            context.Error.WriteLine($"note: the tagged images alone take {HumanUnits.Size(result.BytesKept)}, more than --max-size; untag images to free more");
        }

        return 0;
    }
}

internal sealed class StoreCheckCommand : CliCommand
{
    public override string Name => "store check";
    public override string Usage => "containerize store check [--delete-corrupt] [--store DIR]";
    public override string Summary => "Verify every blob of the store against its digest, and that every tag's image is complete.";
    public override IReadOnlyList<OptionSpec> Options => [OptionSpec.Flag("delete blobs that fail their digest (pull or rebuild them after)", "--delete-corrupt"), ImageCommands.StoreOption];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        ImageCommands.NoMorePositionals(args, 0, Usage);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var result = await new StoreChecker(store).CheckAsync(args.Has("--delete-corrupt"), cancellationToken).ConfigureAwait(false);
        foreach (var p in result.Problems)
        {
            context.Error.WriteLine(new Core.Diagnostics.Diagnostic(StoreErrors.CheckFailed, Core.Diagnostics.Severity.Error, $"{p.Subject}: {p.Problem}").ToString());
        }

        context.Out.WriteLine($"checked {result.BlobsChecked} blobs ({HumanUnits.Size(result.BytesChecked)}) in {store.Root}: {(result.Ok ? "ok" : result.Problems.Count + " problems")}");
        return result.Ok ? 0 : 1;
    }
}

internal sealed class ImportCommand : CliCommand
{
    public override string Name => "import";
    public override string Usage => "containerize import ROOTFS-DIR-OR-TAR REF [--change 'ENV K=V']... [--base REF|oci-layout://DIR:TAG] [--compression gzip|zstd|none] [--store DIR]";
    public override string Summary => "Make an image of one reproducible layer from a root filesystem (folder or tar), as 'docker import'; with --base, append it to an image.";
    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Many("apply a Dockerfile instruction to the config: ENV, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL", "-c", "--change"),
        OptionSpec.Value("put the layer on top of this image (a store name, or oci-layout://, oci-archive://, docker-archive://)", "--base"),
        OptionSpec.Value("gzip (default), zstd or none", "--compression"),
        OptionSpec.Value("a comment for the layer's history entry", "-m", "--message"),
        ImageCommands.PlatformOption,
        ImageCommands.StoreOption,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var rootfs = context.FullPath(ImageCommands.Positional(args, 0, Usage));
        var reference = ImageReference.Parse(ImageCommands.Positional(args, 1, Usage));
        ImageCommands.NoMorePositionals(args, 2, Usage);
        var compression = args.Get("--compression") switch
        {
            null or "gzip" => LayerCompression.Gzip,
            "zstd" => LayerCompression.Zstd,
            "none" => LayerCompression.None,
            var other => throw CommandArgs.Bad($"unknown compression '{other}'", Usage),
        };
        var platform = ImageCommands.PlatformOf(args);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        Descriptor? baseManifest = null;
        if (args.Get("--base") is { } b)
        {
            var image = ImageLocation.LooksLikeLocation(b)
                ? (await new ImageImporter(store) { Platform = platform }.ImportAsync(ImageLocation.Parse(b, context.WorkingDirectory), cancellationToken).ConfigureAwait(false)).Manifest
                : await store.ResolveRequiredAsync(ImageReference.Parse(b), cancellationToken).ConfigureAwait(false);
            baseManifest = await ImageGraph.SelectManifestAsync(store, image, platform, cancellationToken).ConfigureAwait(false);
        }

        var importer = new RootfsImporter(store) { Compression = compression, Platform = platform, Timestamp = SourceDateEpoch() };
        var manifest = await importer.ImportAsync(rootfs, args.GetAll("--change"), baseManifest, args.Get("--message"), cancellationToken).ConfigureAwait(false);
        await store.TagAsync(reference, manifest, cancellationToken).ConfigureAwait(false);
        var config = (await store.ReadManifestAsync(manifest, cancellationToken).ConfigureAwait(false)).Config.Digest;
        context.Out.WriteLine(config.ToString());
        return 0;
    }

    /// <summary>SOURCE_DATE_EPOCH, the reproducible-builds convention, else the epoch.</summary>
    private static DateTimeOffset SourceDateEpoch() =>
        long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), out var s) && s >= 0
            ? DateTimeOffset.FromUnixTimeSeconds(s)
            : DateTimeOffset.UnixEpoch;
}
