using System.Text.RegularExpressions;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// Docker's dangling images in an OCI layout store: an image a retag (a rebuild under the same name, <c>tag</c> onto
/// an existing name, a pull that moved a tag) took the last name from stays in index.json as an entry without
/// <c>org.opencontainers.image.ref.name</c> (valid OCI: skopeo and umoci skip it when asked for a name), listed as
/// <c>&lt;none&gt;:&lt;none&gt;</c> until <c>rmi</c> or <c>prune</c> removes it.
/// </summary>
public static partial class DanglingImages
{
    /// <summary>An index.json entry that is an image without a name.</summary>
    public static bool IsDangling(Descriptor entry) =>
        entry.Annotation(AnnotationKeys.RefName) is null && (MediaTypes.IsManifest(entry.MediaType) || MediaTypes.IsIndex(entry.MediaType));

    /// <summary>
    /// The tags that name no image of their own but an artifact about one: the referrers tag schema
    /// (<c>sha256-HEX</c>) and cosign's <c>sha256-HEX.sig</c>/<c>.att</c>/<c>.sbom</c>. Moving them leaves nothing dangling.
    /// </summary>
    public static bool IsArtifactTag(string refName)
    {
        var colon = refName.LastIndexOf(':');
        var tag = colon >= 0 && refName.IndexOf('/', colon) < 0 ? refName[(colon + 1)..] : refName;
        return ArtifactTag().IsMatch(tag);
    }

    /// <summary>The untagged entry that keeps <paramref name="previous"/> in the store.</summary>
    public static Descriptor EntryFor(Descriptor previous) => previous with { Annotations = null, Urls = null };

    [GeneratedRegex(@"^sha(256|512)-[0-9a-f]+(\.(sig|att|sbom))?$")]
    private static partial Regex ArtifactTag();
}
