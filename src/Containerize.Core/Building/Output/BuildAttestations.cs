using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Supply;
using Containerize.Core.Supply.Provenance;
using Containerize.Core.Supply.Referrers;
using Containerize.Core.Supply.Sbom;

namespace Containerize.Core.Building.Output;

/// <summary>
/// <c>containerize build --sbom [--provenance]</c>: an image built from a Dockerfile alone has no restore graph, so its
/// SBOM is read from its layers (OS package databases, the .NET shared frameworks, the apps' .deps.json files), and its
/// provenance names the Dockerfile by digest, the build arguments that are not secrets and the bases by digest.
/// </summary>
public static class BuildAttestations
{
    public static async Task<IReadOnlyList<Descriptor>> CreateAsync(OciLayoutStore store, ImageState image, BuildInputs inputs, BuildRequest request,
        IReadOnlyList<ResolvedBase> bases, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var name = inputs.Tags.FirstOrDefault();
        var manifest = image.Manifest!;
        var created = request.Created ?? image.Config.Created ?? DateTimeOffset.UnixEpoch;
        SbomInventory? sbom = null;
        if (request.Sbom != SbomFormats.None)
        {
            var packages = await ImagePackages.ReadOrWarnAsync(
                () => ImagePackages.ReadAsync(store, image.Layers, ImagePackages.CacheFolder(store), name?.FamiliarString, cancellationToken),
                sink, inputs.Dockerfile, cancellationToken).ConfigureAwait(false);
            sbom = SbomBuilder.Build(new SbomInputs
            {
                ImageName = name?.Name ?? "image",
                ManifestDigest = manifest.Digest.ToString(),
                Platform = inputs.TargetPlatform.ToString(),
                Created = created,
                ToolVersion = ImageAttestations.ShortToolVersion,
                Application = new ApplicationInfo(name?.FamiliarName ?? "image", name?.Tag ?? "latest"),
                Image = packages,
                Environment = image.Config.Config?.Env ?? [],
            });
            sink.Info($"SBOM: {sbom.Components.Count} component(s)");
        }

        var provenance = !request.Provenance ? null : new ProvenanceInputs
        {
            ImageName = name?.Name ?? "image",
            ManifestDigest = manifest.Digest.ToString(),
            ToolVersion = ImageAttestations.ToolVersion,
            DockerfileDigest = Digest.Sha256(await File.ReadAllBytesAsync(inputs.Dockerfile, cancellationToken).ConfigureAwait(false)).ToString(),
            Target = request.Target,
            Bases = bases,
            BuildArgs = request.BuildArgs,
            BuildDate = request.Created,
            // A git context: the repository (credentials dropped by the writer) and the commit built.
            RepositoryUrl = request.SourceRepository,
            Revision = request.SourceRevision,
        };
        var artifacts = ImageAttestations.Documents(sbom, request.Sbom, provenance);
        return await ImageAttestations.AttachAsync(store, manifest, name, artifacts, request.Created, cancellationToken).ConfigureAwait(false);
    }
}
