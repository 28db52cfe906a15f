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
        var toolVersion = typeof(BuildAttestations).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        var artifacts = new List<Artifact>();
        if (request.Sbom != SbomFormats.None)
        {
            var packages = await ImagePackages.ReadOrWarnAsync(
                () => ImagePackages.ReadAsync(store, image.Layers, ImagePackages.CacheFolder(store), name?.FamiliarString, cancellationToken),
                sink, inputs.Dockerfile, cancellationToken).ConfigureAwait(false);
            var inventory = SbomBuilder.Build(new SbomInputs
            {
                ImageName = name?.Name ?? "image",
                ManifestDigest = manifest.Digest.ToString(),
                Platform = inputs.TargetPlatform.ToString(),
                Created = created,
                ToolVersion = toolVersion,
                Application = new ApplicationInfo(name?.FamiliarName ?? "image", name?.Tag ?? "latest"),
                Image = packages,
                Environment = image.Config.Config?.Env ?? [],
            });
            if (request.Sbom.HasFlag(SbomFormats.Spdx)) artifacts.Add(new Artifact(SbomFormat.SpdxMediaType, SpdxWriter.Write(inventory)));
            if (request.Sbom.HasFlag(SbomFormats.CycloneDx)) artifacts.Add(new Artifact(SbomFormat.CycloneDxMediaType, CycloneDxWriter.Write(inventory)));
            sink.Info($"SBOM: {inventory.Components.Count} component(s)");
        }

        if (request.Provenance)
        {
            artifacts.Add(new Artifact(ProvenanceWriter.MediaType, ProvenanceWriter.Write(new ProvenanceInputs
            {
                ImageName = name?.Name ?? "image",
                ManifestDigest = manifest.Digest.ToString(),
                ToolVersion = toolVersion,
                DockerfileDigest = Digest.Sha256(await File.ReadAllBytesAsync(inputs.Dockerfile, cancellationToken).ConfigureAwait(false)).ToString(),
                Target = request.Target,
                Bases = bases,
                BuildArgs = request.BuildArgs,
                BuildDate = request.Created,
            }))
            {
                LayerAnnotations = new Dictionary<string, string>(StringComparer.Ordinal) { ["in-toto.io/predicate-type"] = ProvenanceWriter.PredicateType },
            });
        }

        return await ImageAttestations.AttachAsync(store, manifest, name, artifacts, request.Created, cancellationToken).ConfigureAwait(false);
    }
}
