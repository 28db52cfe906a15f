using Containerize.Core.Destinations;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Registry;

namespace Containerize.Cli.Commands;

/// <summary>pull and push: the registry client over the local store.</summary>
internal static class RegistryCommands
{
    public static IEnumerable<CliCommand> All => [new PullCommand(), new PushCommand()];

    internal static readonly OptionSpec Insecure = OptionSpec.Flag("allow plain HTTP and unverified TLS for every registry (DOTNET_CONTAINER_INSECURE_REGISTRIES lists hosts)", "--insecure");
    internal static readonly OptionSpec CaFile = OptionSpec.Value("a PEM file of extra trusted CA certificates (default: $SSL_CERT_FILE)", "--ca-file");
    internal static readonly OptionSpec Verbose = OptionSpec.Flag("detail log: scheme, authentication, every retry", "-v", "--verbose");

    internal static RegistryOptions OptionsFrom(CommandArgs args, CliContext context, bool offline = false) => new()
    {
        Offline = offline,
        Insecure = args.Has("--insecure"),
        CaFile = args.Get("--ca-file") is { } ca ? context.FullPath(ca) : null,
        Sink = new TextWriterSink(context.Error, context.Error, args.Has("--verbose")),
    };

    internal static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes / (1024.0 * 1024):0.#} MiB",
    };
}

internal sealed class PullCommand : CliCommand
{
    public override string Name => "pull";
    public override string Usage => "containerize pull REF [--platform os/arch[/variant] | --runtime RID] [--offline] [--insecure] [--ca-file PEM] [--store DIR] [-v]";
    public override string Summary => "Pull an image from a registry into the store (a digest-pinned image in the store is not fetched again).";
    public override IReadOnlyList<OptionSpec> Options =>
    [
        ImageCommands.PlatformOption,
        OptionSpec.Value("pick the platform of a .NET runtime identifier (linux-x64, linux-musl-arm64, ...)", "-r", "--runtime"),
        OptionSpec.Flag("never touch the network: use the store or fail", "--offline"),
        RegistryCommands.Insecure, RegistryCommands.CaFile, ImageCommands.StoreOption, RegistryCommands.Verbose,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(ImageCommands.Positional(args, 0, Usage));
        ImageCommands.NoMorePositionals(args, 1, Usage);
        if (args.Has("--platform") && args.Has("--runtime")) throw CommandArgs.Bad("give --platform or --runtime, not both", Usage);
        var platform = args.Get("--runtime") is { } rid ? PlatformSelection.FromRuntimeIdentifier(rid)
            : args.Get("--platform") is { } p ? Platform.Parse(p) : PlatformSelection.Host;
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        using var client = new RegistryClient(RegistryCommands.OptionsFrom(args, context, args.Has("--offline")));
        var pulled = await new ImagePuller(client, store).PullAsync(reference, platform, cancellationToken).ConfigureAwait(false);
        var size = pulled.Manifest.Layers.Sum(l => l.Size);
        context.Out.WriteLine(pulled.FromCache
            ? $"{pulled.Reference}: in the store, {pulled.ManifestDescriptor.Digest} ({pulled.Config.Platform})"
            : $"{pulled.Reference}: pulled {pulled.ManifestDescriptor.Digest} ({pulled.Config.Platform}, {pulled.Manifest.Layers.Count} layers, {RegistryCommands.Size(size)}, {pulled.BlobsDownloaded} blobs downloaded)");
        return 0;
    }
}

internal sealed class PushCommand : CliCommand
{
    public override string Name => "push";
    public override string Usage => "containerize push LOCAL-REF REMOTE-REF [-t TAG]... [--insecure] [--ca-file PEM] [--store DIR] [-v]";
    public override string Summary => "Push an image from the store to a registry; blobs the registry has are not sent again.";
    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Many("also tag the pushed image with TAG in the same repository", "-t", "--tag"),
        RegistryCommands.Insecure, RegistryCommands.CaFile, ImageCommands.StoreOption, RegistryCommands.Verbose,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var local = ImageReference.Parse(ImageCommands.Positional(args, 0, Usage));
        var destination = DestinationParser.ParsePush(ImageCommands.Positional(args, 1, Usage), args.GetAll("--tag"));
        ImageCommands.NoMorePositionals(args, 2, Usage);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        using var client = new RegistryClient(RegistryCommands.OptionsFrom(args, context));
        var root = await ImagePusher.ResolveRootAsync(store, local, cancellationToken).ConfigureAwait(false);
        // What the store has attached to the image (a build's --sbom, a publish's SBOM) goes with it.
        var referrers = await Core.Supply.ImageAttestations.OfAsync(store, local.WithDefaultTag(), root.Digest, cancellationToken).ConfigureAwait(false);
        var sent = await (destination with { Client = client }).SendAsync(store, new OutgoingImage(root, [local]) { Referrers = referrers }, client.Options.Sink, cancellationToken).ConfigureAwait(false);
        var (remote, result) = (sent.Pushes[0].Names[0], sent.Pushes[0].Result);
        context.Out.WriteLine($"{remote}: pushed {result.Digest} ({result.BlobsUploaded} blobs uploaded, {RegistryCommands.Size(result.BytesUploaded)}; {result.BlobsSkipped} already there)");
        return 0;
    }
}
