using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;
using Containerize.Core.Supply;
using Containerize.Core.Supply.Referrers;
using Containerize.Core.Supply.Sbom;

namespace Containerize.Cli.Commands;

/// <summary>What is attached to an image: sbom and attestations, from the store, an OCI layout or a registry.</summary>
internal static class SupplyCommands
{
    public static IEnumerable<CliCommand> All => [new SbomCommand(), new AttestationsCommand()];

    internal static readonly OptionSpec Remote = OptionSpec.Flag("read from the registry even when the store has the image", "--remote");

    internal static readonly IReadOnlyList<OptionSpec> SourceOptions = [Remote, RegistryCommands.Insecure, RegistryCommands.CaFile, ImageCommands.StoreOption];

    /// <summary>
    /// IMAGE as the user wrote it: <c>oci-layout://DIR[:TAG]</c> (or <c>oci-layout:DIR</c>), else a name: the store's
    /// image of that name, or the registry's when the store has none (or with --remote).
    /// </summary>
    internal static async Task<(IReferrerSource Source, IDisposable? Client)> OpenAsync(string image, CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        if (ImageLocation.LooksLikeLocation(image))
        {
            var location = ImageLocation.Parse(image, context.WorkingDirectory);
            if (location.Transport != ImageTransport.OciLayout)
            {
                throw new ContainerizeException(StoreErrors.UnknownTransport, $"'{image}' is an archive: read its referrers from an OCI layout or the store",
                    hint: "containerize load the archive into the store first, or save to oci-layout:DIR");
            }

            if (!File.Exists(Path.Combine(location.Path, "index.json")))
            {
                throw new ContainerizeException(StoreErrors.ImageNotFound, $"{location.Path} is not an OCI layout (no index.json)", hint: "give the folder an image was saved to");
            }

            var layout = await OciLayoutStore.OpenOrCreateAsync(location.Path, cancellationToken).ConfigureAwait(false);
            return (new LayoutReferrerSource(layout, null, location.Tag), null);
        }

        var name = ImageReference.Parse(image).WithDefaultTag();
        if (!args.Has("--remote"))
        {
            var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
            if (await store.ResolveAsync(name, cancellationToken).ConfigureAwait(false) is not null) return (new LayoutReferrerSource(store, name), null);
        }

        var client = new RegistryClient(RegistryCommands.OptionsFrom(args, context));
        return (new RegistryReferrerSource(client, name), client);
    }

    internal static string? ArtifactTypeOf(string? format) => format?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "spdx" or "spdx-json" => SbomFormat.SpdxMediaType,
        "cyclonedx" or "cyclonedx-json" or "cdx" => SbomFormat.CycloneDxMediaType,
        _ => throw new ContainerizeException(SupplyErrors.UnknownSbomFormat, $"unknown SBOM format '{format}'", hint: "use spdx or cyclonedx"),
    };
}

internal sealed class SbomCommand : CliCommand
{
    public override string Name => "sbom";
    public override string Usage => "containerize sbom IMAGE [--format spdx|cyclonedx] [-o FILE] [--remote] [--store DIR]";
    public override string Summary => "Print the SBOM attached to an image (store, oci-layout://DIR[:TAG], or a registry).";
    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Value("spdx or cyclonedx (default: the first attached)", "--format"),
        OptionSpec.Value("write the document to FILE instead of standard output", "-o", "--output"),
        .. SupplyCommands.SourceOptions,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var image = ImageCommands.Positional(args, 0, Usage);
        ImageCommands.NoMorePositionals(args, 1, Usage);
        var wanted = SupplyCommands.ArtifactTypeOf(args.Get("--format"));
        var (source, client) = await SupplyCommands.OpenAsync(image, args, context, cancellationToken).ConfigureAwait(false);
        using var _ = client;
        var subject = await source.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var attached = (await ReferrerReader.ListAsync(source, subject, wanted, cancellationToken).ConfigureAwait(false))
            .Where(a => a.ArtifactType is SbomFormat.SpdxMediaType or SbomFormat.CycloneDxMediaType).ToList();
        if (attached.Count == 0)
        {
            throw new ContainerizeException(SupplyErrors.NoAttestations, $"{image} ({subject.Digest.ShortId}) has no {(wanted is null ? "SBOM" : wanted + " SBOM")} attached",
                hint: "publish it with ContainerSbom=true (the default) or build it with --sbom; 'containerize attestations IMAGE' lists what is attached");
        }

        var document = await ReferrerReader.ReadDocumentAsync(source, attached[0], cancellationToken).ConfigureAwait(false);
        if (args.Get("--output") is { } output)
        {
            await File.WriteAllBytesAsync(context.FullPath(output), document, cancellationToken).ConfigureAwait(false);
            context.Error.WriteLine($"{attached[0].ArtifactType} ({attached[0].Manifest.Digest}) written to {output}");
        }
        else
        {
            await using var stdout = context.OpenStdout();
            await stdout.WriteAsync(document, cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }
}

internal sealed class AttestationsCommand : CliCommand
{
    public override string Name => "attestations";
    public override string Usage => "containerize attestations IMAGE [--remote] [--store DIR]";
    public override string Summary => "List what is attached to an image: SBOMs, provenance, signatures (artifact type, digest, size).";
    public override IReadOnlyList<OptionSpec> Options => SupplyCommands.SourceOptions;

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var image = ImageCommands.Positional(args, 0, Usage);
        ImageCommands.NoMorePositionals(args, 1, Usage);
        var (source, client) = await SupplyCommands.OpenAsync(image, args, context, cancellationToken).ConfigureAwait(false);
        using var _ = client;
        var subject = await source.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var attached = await ReferrerReader.ListAsync(source, subject, null, cancellationToken).ConfigureAwait(false);
        if (attached.Count == 0)
        {
            throw new ContainerizeException(SupplyErrors.NoAttestations, $"{image} ({subject.Digest.ShortId}) has nothing attached",
                hint: "publish it with ContainerSbom=true and ContainerProvenance=true (the defaults) or build it with --sbom --provenance");
        }

        context.Out.WriteLine($"{image} {subject.Digest}");
        foreach (var a in attached)
        {
            context.Out.WriteLine($"{a.ArtifactType,-36} {a.Manifest.Digest} {RegistryCommands.Size(a.Document.Size)}");
        }

        return 0;
    }
}
