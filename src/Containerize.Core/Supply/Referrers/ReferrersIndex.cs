using Containerize.Core.Images.Oci;

namespace Containerize.Core.Supply.Referrers;

/// <summary>
/// The referrers tag schema (distribution-spec 1.1, "Unavailable Referrers API"): the referrers of a manifest listed
/// in an image index tagged <c>&lt;alg&gt;-&lt;ref&gt;</c> (<c>sha256-0123...</c>) in the same repository. We keep
/// referrers this way in the store, in OCI layouts and archives, and in registries without the referrers API.
/// </summary>
public static class ReferrersIndex
{
    /// <summary>The fallback tag of <paramref name="subject"/>: its digest with ':' as '-', cut to the 128 characters a tag may have.</summary>
    public static string TagOf(Digest subject)
    {
        var tag = $"{subject.Algorithm}-{subject.Encoded}";
        return tag.Length > 128 ? tag[..128] : tag;
    }

    /// <summary>
    /// The index with <paramref name="added"/> in it: null when each is listed already (nothing to write). Entries of
    /// other tools are kept; ours replace an entry of the same digest.
    /// </summary>
    public static ImageIndex? Merge(ImageIndex? existing, IReadOnlyList<Descriptor> added)
    {
        var entries = existing?.Manifests.ToList() ?? [];
        var changed = existing is null;
        foreach (var d in added)
        {
            var at = entries.FindIndex(e => e.Digest == d.Digest);
            if (at >= 0 && Same(entries[at], d)) continue;
            if (at >= 0) entries[at] = d;
            else entries.Add(d);
            changed = true;
        }

        return changed ? new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = entries } : null;
    }

    // Records compare their dictionaries by reference: an entry read back from a registry is the same by content.
    private static bool Same(Descriptor a, Descriptor b) =>
        a.Digest == b.Digest && a.MediaType == b.MediaType && a.Size == b.Size && a.ArtifactType == b.ArtifactType
        && (a.Annotations ?? new Dictionary<string, string>()).OrderBy(x => x.Key, StringComparer.Ordinal)
            .SequenceEqual((b.Annotations ?? new Dictionary<string, string>()).OrderBy(x => x.Key, StringComparer.Ordinal));

    /// <summary>The entries of <paramref name="index"/> with <paramref name="artifactType"/> (all when null).</summary>
    public static IReadOnlyList<Descriptor> Filter(ImageIndex? index, string? artifactType) =>
        index?.Manifests.Where(m => artifactType is null || m.ArtifactType == artifactType).ToList() ?? [];
}
