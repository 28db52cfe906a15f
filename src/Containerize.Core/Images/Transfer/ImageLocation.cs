using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Images.Transfer;

public enum ImageTransport
{
    OciLayout,
    OciArchive,
    DockerArchive,
}

/// <summary>
/// An image outside the store, on disk: <c>oci-layout://PATH[:TAG]</c>, <c>oci-archive://FILE</c> or
/// <c>docker-archive://FILE</c> as a base image, and the same with a single colon (<c>oci-layout:DIR</c>),
/// as <c>containerize save --output</c> and skopeo write them.
/// </summary>
public sealed record ImageLocation(ImageTransport Transport, string Path, string? Tag = null)
{
    private static readonly (string Prefix, ImageTransport Transport)[] Prefixes =
    [
        ("oci-layout", ImageTransport.OciLayout),
        ("oci-archive", ImageTransport.OciArchive),
        ("docker-archive", ImageTransport.DockerArchive),
    ];

    public override string ToString() => Prefix(Transport) + "://" + Path + (Tag is null ? "" : ":" + Tag);

    public static string Prefix(ImageTransport transport) => Prefixes.First(p => p.Transport == transport).Prefix;

    /// <summary>True when the text names a transport (<c>scheme:</c> or <c>scheme://</c>), known or not.</summary>
    public static bool LooksLikeLocation(string text)
    {
        var colon = text.IndexOf(':');
        if (colon <= 0) return false;
        if (text.AsSpan(colon).StartsWith("://")) return true;
        return Prefixes.Any(p => text.AsSpan(0, colon).SequenceEqual(p.Prefix));
    }

    /// <summary>Parses a location; relative paths are resolved against <paramref name="baseDirectory"/>.</summary>
    public static ImageLocation Parse(string text, string? baseDirectory = null)
    {
        var colon = text.IndexOf(':');
        var scheme = colon > 0 ? text[..colon] : "";
        var match = Prefixes.FirstOrDefault(p => p.Prefix == scheme);
        if (colon <= 0 || match.Prefix is null)
        {
            throw new ContainerizeException(StoreErrors.UnknownTransport, $"unknown image transport in '{text}'",
                hint: "write oci-layout://DIR[:TAG], oci-archive://FILE or docker-archive://FILE");
        }

        var rest = text[(colon + 1)..];
        if (rest.StartsWith("//", StringComparison.Ordinal)) rest = rest[2..];
        string? tag = null;
        if (match.Transport == ImageTransport.OciLayout)
        {
            // The tag follows the last colon after the last slash: oci-layout:///a/b:10.0 is /a/b, tag 10.0.
            var lastSlash = rest.LastIndexOf('/');
            var tagColon = rest.IndexOf(':', lastSlash + 1);
            if (tagColon >= 0)
            {
                tag = rest[(tagColon + 1)..];
                rest = rest[..tagColon];
                if (tag.Length == 0) tag = null;
            }
        }

        if (rest.Length == 0)
        {
            throw new ContainerizeException(StoreErrors.UnknownTransport, $"'{text}' names no path",
                hint: $"write {match.Prefix}://PATH");
        }

        return new ImageLocation(match.Transport, System.IO.Path.GetFullPath(rest, baseDirectory ?? Environment.CurrentDirectory), tag);
    }
}
