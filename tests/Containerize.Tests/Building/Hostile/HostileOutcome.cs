using System.Runtime.Versioning;
using System.Security.Cryptography;
using Containerize.Core.Os;
using Containerize.Tests.Images.Layers.Breakouts;

namespace Containerize.Tests.Building.Hostile;

/// <summary>The checks every hostile use shares: how a refusal must read, and tree equality for the scoped extraction.</summary>
[SupportedOSPlatform("linux")]
internal static class HostileOutcome
{
    /// <summary>
    /// A refused image: a non-zero exit with the case's code, the digest of the layer holding the entry and the entry's
    /// name, and no trace of an exception (a stack frame or an exception type) in what the user sees.
    /// </summary>
    public static List<string> RefusedAsExpected(HostileImageLab lab, CliOutcome outcome)
    {
        var c = lab.Case;
        var layer = c.Layers.Select((entries, i) => (entries, i)).First(l => l.entries.Any(e => lab.Expand(e.Name) == c.Entry)).i;
        var digest = lab.LayerDigests[layer];
        var failures = new List<string>();
        var all = outcome.StdOut + outcome.StdErr;
        if (outcome.ExitCode == 0) failures.Add("the image was accepted");
        if (!outcome.StdErr.Contains(c.Error!, StringComparison.Ordinal)) failures.Add($"no {c.Error} on stderr");
        if (!outcome.StdErr.Contains(digest, StringComparison.Ordinal)) failures.Add($"the error does not name the layer {digest}");
        if (!outcome.StdErr.Contains($"'{c.Entry}'", StringComparison.Ordinal)) failures.Add($"the error does not name the entry '{c.Entry}'");
        if (all.Contains("   at ", StringComparison.Ordinal) || all.Contains("Exception", StringComparison.Ordinal)) failures.Add("the output shows an exception");
        if (failures.Count > 0) failures.Add("outcome: " + outcome);
        return failures;
    }

    /// <summary>The differences between two trees (type, mode, owner, size, content, link target), one line each.</summary>
    public static List<string> SameTree(string expected, string actual)
    {
        var e = Describe(expected);
        var a = Describe(actual);
        var differences = new List<string>();
        foreach (var path in e.Keys.Union(a.Keys).Order(StringComparer.Ordinal))
        {
            e.TryGetValue(path, out var x);
            a.TryGetValue(path, out var y);
            if (x != y) differences.Add($"{path}: {expected}: {x ?? "missing"}; {actual}: {y ?? "missing"}");
        }

        return differences;
    }

    private static SortedDictionary<string, string> Describe(string top)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (LibC.LStat(top) is not { Type: FileStatus.Directory }) return result;
        foreach (var path in FolderWalk.Under(top))
        {
            var st = LibC.LStat(path)!.Value;
            var detail = st.Type switch
            {
                FileStatus.Regular => "file " + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))[..16],
                FileStatus.Symlink => "symlink -> " + new FileInfo(path).LinkTarget,
                FileStatus.Directory => "dir",
                _ => "other",
            };
            result[Path.GetRelativePath(top, path)] = $"{detail} {Convert.ToString(st.Mode & 0xFFF, 8)} {st.Uid}:{st.Gid}";
        }

        return result;
    }

    public static void AssertNone(HostileImageLab lab, List<string> failures)
    {
        if (failures.Count > 0) Assert.Fail($"{lab.Case.Name}: {lab.Case.Why}\n  - " + string.Join("\n  - ", failures));
    }
}
