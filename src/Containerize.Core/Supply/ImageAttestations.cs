using System.Reflection;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Supply.Provenance;
using Containerize.Core.Supply.Referrers;
using Containerize.Core.Supply.Sbom;

namespace Containerize.Core.Supply;

/// <summary>
/// The one way documents get attached to an image in the store: each stored as an artifact manifest whose subject is
/// the image, all listed under the store's referrers tag for the image's repository, so that every destination (push,
/// save, a publish's registry, layout or archive) carries them. The publish and <c>containerize build --sbom</c> both
/// attach through here.
/// </summary>
public static class ImageAttestations
{
    /// <summary>Containerize's version as built (<c>0.1.0+COMMIT</c>): the provenance's builder version.</summary>
    public static string ToolVersion { get; } =
        typeof(ImageAttestations).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The version without build metadata (<c>0.1.0</c>), as the SBOM names its tool.</summary>
    public static string ShortToolVersion => ToolVersion.Split('+')[0];

    /// <summary>The documents of one image as artifacts: the SBOM in each asked format, then the provenance statement.</summary>
    public static IReadOnlyList<Artifact> Documents(SbomInventory? sbom, SbomFormats formats, ProvenanceInputs? provenance)
    {
        var artifacts = new List<Artifact>();
        if (sbom is not null && formats.HasFlag(SbomFormats.Spdx)) artifacts.Add(new Artifact(SbomFormat.SpdxMediaType, SpdxWriter.Write(sbom)));
        if (sbom is not null && formats.HasFlag(SbomFormats.CycloneDx)) artifacts.Add(new Artifact(SbomFormat.CycloneDxMediaType, CycloneDxWriter.Write(sbom)));
        if (provenance is not null)
        {
            // The predicate type on the layer, as BuildKit writes it: a reader picks the statement without reading it.
            artifacts.Add(new Artifact(ProvenanceWriter.MediaType, ProvenanceWriter.Write(provenance))
            {
                LayerAnnotations = new Dictionary<string, string>(StringComparer.Ordinal) { ["in-toto.io/predicate-type"] = ProvenanceWriter.PredicateType },
            });
        }

        return artifacts;
    }

    public static async Task<IReadOnlyList<Descriptor>> AttachAsync(IContentStore store, Descriptor subject, ImageReference? name, IReadOnlyList<Artifact> artifacts,
        DateTimeOffset? created, CancellationToken cancellationToken)
    {
        var stored = new List<Descriptor>();
        foreach (var a in artifacts) stored.Add(await Artifacts.StoreAsync(store, subject, a, created, cancellationToken).ConfigureAwait(false));
        if (name is not null && stored.Count > 0) await StoreReferrers.AttachAsync(store, name, subject, stored, cancellationToken).ConfigureAwait(false);
        return stored;
    }

    /// <summary>The store's referrers of <paramref name="subject"/> under <paramref name="name"/>'s repository (push and save carry them).</summary>
    public static async Task<IReadOnlyList<Descriptor>> OfAsync(IContentStore store, ImageReference name, Digest subject, CancellationToken cancellationToken) =>
        (await StoreReferrers.ReadAsync(store, name, subject, cancellationToken).ConfigureAwait(false))?.Manifests ?? [];
}
