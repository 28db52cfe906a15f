using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Generation;

/// <summary>
/// What a publish knows of its base image before it plans: the digest its tag names now and the config of the
/// platform's image. <see cref="Digest"/> is what the generated Dockerfile pins (<c>FROM name:tag@digest</c>), so the
/// build uses exactly the base that was resolved; <see cref="Environment"/> gives the user (APP_UID) and the ports as
/// the SDK derives them, whatever the base is called.
/// </summary>
public sealed record BaseImageFacts(ImageReference Reference, Digest Digest, IReadOnlyList<string> Environment, bool Pinned)
{
    /// <summary>The environment as name → value (an entry without '=' is empty; a later entry wins, as in a config).</summary>
    public IReadOnlyDictionary<string, string> Variables { get; } = Environment.Select(e => e.Split('=', 2))
        .GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last() is { Length: > 1 } p ? p[1] : "", StringComparer.Ordinal);

    /// <summary>A variable of the base's environment, or null.</summary>
    public string? Variable(string name) => Variables.GetValueOrDefault(name);

    /// <summary>The reference the Dockerfile names: the tag (kept for readers and labels) with the resolved digest.</summary>
    public string PinnedReference => Reference.WithDigest(Digest).ToString();
}
