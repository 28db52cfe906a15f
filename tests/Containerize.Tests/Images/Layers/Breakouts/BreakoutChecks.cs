using Containerize.Core.Os;
using Containerize.Core.Images.Layers;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>Runs a case's checks against the root; returns one line per failed check.</summary>
internal static class BreakoutChecks
{
    public static List<string> Run(string root, IEnumerable<BreakoutCheck> checks, Func<string, string> expand)
    {
        var failures = new List<string>();
        foreach (var check in checks)
        {
            try
            {
                if (Run(root, check, expand) is { } failure) failures.Add($"{check.Kind} {check.Path}: {failure}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add($"{check.Kind} {check.Path}: {e.GetType().Name}: {e.Message}");
            }
        }

        return failures;
    }

    /// <summary>Null when the check holds, else what was found.</summary>
    private static string? Run(string root, BreakoutCheck c, Func<string, string> expand)
    {
        var path = expand(c.Path);
        string Stat(string p) => RootView.Resolve(root, p, followLast: true);
        string LStat(string p) => RootView.Resolve(root, p, followLast: false);
        switch (c.Kind)
        {
            case "content":
            {
                var real = Stat(path);
                if (LibC.LStat(real) is not { Type: FileStatus.Regular }) return "no file there";
                var expected = c.Hex is { } hex ? Convert.FromHexString(hex) : System.Text.Encoding.UTF8.GetBytes(expand(c.Text ?? ""));
                var actual = File.ReadAllBytes(real);
                return actual.AsSpan().SequenceEqual(expected) ? null : $"content is {Convert.ToHexString(actual)}, expected {Convert.ToHexString(expected)}";
            }

            case "sameFile" or "notSameFile":
            {
                var a = LibC.LStat(Stat(path));
                var b = LibC.LStat(Stat(expand(c.Other!)));
                if (a is null || b is null) return $"{(a is null ? path : c.Other)} does not exist";
                var same = a.Value.Device == b.Value.Device && a.Value.Inode == b.Value.Inode;
                return same == (c.Kind == "sameFile") ? null : $"{(same ? "is" : "is not")} the same file as {c.Other}";
            }

            case "symlink":
            {
                var real = LStat(path);
                if (LibC.LStat(real) is not { Type: FileStatus.Symlink }) return "not a symlink";
                var target = new FileInfo(real).LinkTarget;
                return target == expand(c.Target!) ? null : $"points at '{target}', expected '{expand(c.Target!)}'";
            }

            case "absent":
                return LibC.LStat(LStat(path)) is null ? null : "exists";
            case "mode":
            {
                var st = LibC.LStat(Stat(path));
                var mode = st is null ? "nothing" : Convert.ToString(st.Value.Mode & 0xFFF, 8);
                return mode == c.Mode ? null : $"mode is {mode}, expected {c.Mode}";
            }

            case "dir":
                return LibC.LStat(Stat(path)) is { Type: FileStatus.Directory } ? null : "no folder there";
            case "hostAbsent":
                return LibC.LStat(path) is null ? null : "exists on the host";
            case "hostMode":
            {
                var st = LibC.LStat(path);
                var mode = st is null ? "nothing" : Convert.ToString(st.Value.Mode & 0xFFF, 8);
                return mode == c.Mode ? null : $"host mode is {mode}, expected {c.Mode}";
            }

            default:
                throw new InvalidDataException($"unknown check '{c.Kind}'");
        }
    }
}
