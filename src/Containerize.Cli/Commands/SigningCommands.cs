using Containerize.Core.Diagnostics;
using Containerize.Core.Images;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;
using Containerize.Core.Supply.Signing;

namespace Containerize.Cli.Commands;

/// <summary>sign and verify: cosign-format signatures of an image in a registry, the store or an OCI layout.</summary>
internal static class SigningCommands
{
    public static IEnumerable<CliCommand> All => [new SignCommand(), new VerifyCommand()];

    internal static readonly OptionSpec Local = OptionSpec.Flag("the image is in the local store (default: IMAGE is in its registry)", "--local");

    internal static IReadOnlyList<OptionSpec> Common(string keyHelp) =>
    [
        OptionSpec.Value(keyHelp, "--key"),
        Local, ImageCommands.StoreOption, RegistryCommands.Insecure, RegistryCommands.CaFile, RegistryCommands.Verbose,
    ];

    /// <summary>The image a command names: where its signatures go, the digest signed, and the identity cosign would claim.</summary>
    internal sealed record SignedImage(SignatureTarget Target, Digest Digest, string? DockerReference);

    /// <summary>
    /// IMAGE as cosign reads it: a registry reference (a tag resolved by HEAD to the manifest's, or the index's,
    /// digest); with --local a name of the store; <c>oci-layout://DIR[:TAG]</c> an OCI layout.
    /// </summary>
    internal static async Task<SignedImage> ResolveAsync(string image, CommandArgs args, CliContext context, Func<RegistryClient> client, CancellationToken cancellationToken)
    {
        if (ImageLocation.LooksLikeLocation(image))
        {
            var location = ImageLocation.Parse(image, context.WorkingDirectory);
            if (location.Transport != ImageTransport.OciLayout)
            {
                throw CommandArgs.Bad($"'{image}': an archive cannot hold a signature; load it into the store or an OCI layout first", "containerize sign|verify IMAGE");
            }

            var layout = OciLayoutStore.OpenExisting(location.Path);
            var (entry, name) = await LayoutEntryAsync(layout, location, cancellationToken).ConfigureAwait(false);
            return new SignedImage(SignatureTarget.InLayout(layout), entry.Digest, name is null ? null : CosignFormat.DockerReference(name));
        }

        var reference = ImageReference.Parse(image);
        if (args.Has("--local"))
        {
            var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
            var found = await store.ResolveRequiredAsync(reference, cancellationToken).ConfigureAwait(false);
            return new SignedImage(SignatureTarget.InStore(store, reference), found.Digest, CosignFormat.DockerReference(reference));
        }

        // cosign signs what the tag points at now: a HEAD gives its digest (an index's own for a multi-platform image).
        var registry = client();
        var head = await registry.HeadManifestAsync(reference, cancellationToken).ConfigureAwait(false)
            ?? throw new ContainerizeException(RegistryErrors.NotFound, $"{reference}: no such manifest in the registry",
                hint: "push the image first, or give --local for an image of the store");
        return new SignedImage(SignatureTarget.InRegistry(registry, reference), reference.Digest ?? head.Digest, CosignFormat.DockerReference(reference));
    }

    /// <summary>The layout's entry named TAG, or its one image when no tag is given; with its full name when it records one.</summary>
    private static async Task<(Descriptor Entry, ImageReference? Name)> LayoutEntryAsync(OciLayoutStore layout, ImageLocation location, CancellationToken cancellationToken)
    {
        var index = await layout.ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        // Signature images are entries too (sha256-HEX.sig); they are never what IMAGE names without a tag.
        var images = index.Manifests.Where(d => location.Tag is null
            ? d.Annotation(AnnotationKeys.RefName)?.EndsWith(".sig", StringComparison.Ordinal) != true
            : d.Annotation(AnnotationKeys.RefName) == location.Tag).ToList();
        if (images.Count != 1)
        {
            throw new ContainerizeException(StoreErrors.ImageNotFound,
                images.Count == 0 ? $"no image {(location.Tag is null ? "" : $"tagged '{location.Tag}' ")}in {location.Path}" : $"{location.Path} holds {images.Count} images",
                hint: "name the image: oci-layout://DIR:TAG");
        }

        var name = images[0].Annotation(AnnotationKeys.ContainerdImageName) is { } full && ImageReference.TryParse(full, out var parsed) ? parsed : null;
        return (images[0], name);
    }
}

internal sealed class SignCommand : CliCommand
{
    public override string Name => "sign";
    public override string Usage => "containerize sign IMAGE --key KEY.pem [--password-env NAME] [--identity REPO] [--local [--store DIR]] [--insecure] [--ca-file PEM] [-v]";
    public override string Summary => "Sign an image as cosign does (sha256-HEX.sig beside it) with an ECDSA P-256 PEM key; signing again adds nothing.";
    public override IReadOnlyList<OptionSpec> Options =>
    [
        .. SigningCommands.Common("the PEM private key (PKCS#8, SEC1, or encrypted PKCS#8)"),
        OptionSpec.Value("the environment variable holding an encrypted key's password (default COSIGN_PASSWORD)", "--password-env"),
        OptionSpec.Value("the identity to claim in the payload (default: the image's repository, as cosign)", "--identity"),
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var image = ImageCommands.Positional(args, 0, Usage);
        ImageCommands.NoMorePositionals(args, 1, Usage);
        var keyPath = args.Get("--key") ?? throw CommandArgs.Bad("--key is required", Usage);
        // The key first: a wrong password fails before any request.
        using var key = SigningKey.Load(context.FullPath(keyPath), args.Get("--password-env"));
        RegistryClient? client = null;
        try
        {
            var signed = await SigningCommands.ResolveAsync(image, args, context, () => client = new RegistryClient(RegistryCommands.OptionsFrom(args, context)), cancellationToken).ConfigureAwait(false);
            var identity = args.Get("--identity") ?? signed.DockerReference
                ?? throw CommandArgs.Bad($"'{image}' records no image name; give the identity to claim with --identity REGISTRY/REPO", Usage);
            var result = await ImageSigner.SignAsync(signed.Target, signed.Digest, identity, key, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(result.Added
                ? $"signed {signed.Digest}: {result.Name}"
                : $"signed {signed.Digest}: {result.Name} (already signed by this key; nothing written)");
            return 0;
        }
        finally
        {
            client?.Dispose();
        }
    }
}

internal sealed class VerifyCommand : CliCommand
{
    public override string Name => "verify";
    public override string Usage => "containerize verify IMAGE --key KEY.pub [--local [--store DIR]] [--insecure] [--ca-file PEM] [-v]";
    public override string Summary => "Verify an image's cosign signature with a PEM public key (CTZ8044 none verifies, CTZ8045 unsigned).";
    public override IReadOnlyList<OptionSpec> Options => SigningCommands.Common("the PEM public key (cosign.pub)");

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var image = ImageCommands.Positional(args, 0, Usage);
        ImageCommands.NoMorePositionals(args, 1, Usage);
        var keyPath = args.Get("--key") ?? throw CommandArgs.Bad("--key is required", Usage);
        using var key = VerificationKey.Load(context.FullPath(keyPath));
        RegistryClient? client = null;
        try
        {
            var signed = await SigningCommands.ResolveAsync(image, args, context, () => client = new RegistryClient(RegistryCommands.OptionsFrom(args, context)), cancellationToken).ConfigureAwait(false);
            var verified = await SignatureVerifier.VerifyAsync(signed.Target, signed.Digest, key, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine($"verified {verified.ManifestDigest}: signed for {verified.DockerReference} ({verified.Name}, payload {verified.PayloadDigest})");
            return 0;
        }
        finally
        {
            client?.Dispose();
        }
    }
}
