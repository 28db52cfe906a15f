using Containerize.Core.Os;
using Containerize.Core.Context;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Context;

/// <summary>
/// <see cref="ScopedPath"/> on real folders: a context whose links point at a canary folder beside it, absolutely,
/// by climbing, through chains and loops. Whatever a link says, the path it resolves to is inside the context.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ScopedPathTests
{
    [TestMethod]
    public void Resolve_LinksNeverLeaveTheRoot()
    {
        using var dir = new TempDir("ctz-scoped");
        var canary = dir.Combine("canary");
        ContextTreeBuilder.Create(canary, "secret.txt=host secret");
        var root = dir.Combine("ctx");
        ContextTreeBuilder.Create(root,
            "real/file.txt",
            $"abs -> {canary}",
            $"abs-file -> {canary}/secret.txt",
            "up -> ../canary",
            "climb -> ../../../../../../../../etc/passwd",
            "chain1 -> chain2",
            $"chain2 -> {canary}",
            "in -> real",
            "nested/back -> ../in/file.txt",
            "loop1 -> loop2",
            "loop2 -> loop1",
            "self -> self/x");

        (string Path, bool Followed)? Resolve(string p)
        {
            var r = ScopedPath.ResolveOnDisk(root, p);
            return r is null ? null : (r.Value.Path, r.Value.FollowedLink);
        }

        var inside = canary.TrimStart('/');
        Assert.AreEqual((inside, true), Resolve("abs"), "an absolute target starts again at the root");
        Assert.AreEqual((inside + "/secret.txt", true), Resolve("abs-file"));
        Assert.AreEqual((inside + "/secret.txt", true), Resolve("abs/secret.txt"), "a linked folder in the middle of the path");
        Assert.AreEqual(("canary/secret.txt", true), Resolve("up/secret.txt"), "'..' in a target stops at the root");
        Assert.AreEqual(("etc/passwd", true), Resolve("climb"));
        Assert.AreEqual((inside + "/secret.txt", true), Resolve("chain1/secret.txt"), "a chain is followed link by link");
        Assert.AreEqual(("real/file.txt", true), Resolve("nested/back"), "a relative target is joined to the link's folder");
        Assert.AreEqual(("real/file.txt", false), Resolve("real/file.txt"));
        Assert.AreEqual(("real/file.txt", false), Resolve("/../real/./x/../file.txt"), "the path is cleaned lexically first, '..' stopping at the root");
        Assert.AreEqual(("", false), Resolve("../.."));
        Assert.AreEqual(("missing/then/more", false), Resolve("missing/then/more"), "a missing component is kept as written");
        Assert.IsNull(Resolve("loop1"), "a loop resolves to nothing");
        Assert.IsNull(Resolve("self"));

        Assert.AreEqual(new ScopedPath.Resolution("abs", false), ScopedPath.ResolveOnDisk(root, "chain1/../abs", followLast: false),
            "without followLast a final link is the result; the path is cleaned lexically before any lookup");
        Assert.AreEqual(new ScopedPath.Resolution(inside + "/secret.txt", true), ScopedPath.ResolveOnDisk(root, "abs/secret.txt", followLast: false),
            "links before the last component are still followed");
    }

    [TestMethod]
    public void Resolve_OverATreeInMemoryIsTheSame()
    {
        // The engine resolves among a snapshot's entries, not on disk: the same rules with another lookup.
        var links = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["a"] = "/x/y",
            ["x/y"] = "../z",
            ["z/w"] = "w2",
        };
        var r = ScopedPath.Resolve("a/w", p => links.GetValueOrDefault(p));
        Assert.AreEqual(new ScopedPath.Resolution("z/w2", true), r);
        Assert.AreEqual(new ScopedPath.Resolution("z/w", true), ScopedPath.Resolve("a/w", p => links.GetValueOrDefault(p), followLast: false));
        Assert.IsNull(ScopedPath.Resolve("p", p => p == "p" ? "q" : p == "q" ? "/p" : null));
    }
}
