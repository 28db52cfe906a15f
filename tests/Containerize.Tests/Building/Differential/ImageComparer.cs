namespace Containerize.Tests.Building.Differential;

/// <summary>
/// The rules of issue #6 "Against Docker": file trees (paths, types, modes, owners, sizes, contents, link targets) and
/// the config fields below must be equal. Timestamps and history are not compared (nor the file times ASP.NET Core's
/// static web assets manifest embeds: <see cref="ImageArchive.WithoutEmbeddedTimes"/>), and the empty /dev, /proc and
/// /sys folders BuildKit may leave after RUN are allowed on either side.
/// </summary>
public static class ImageComparer
{
    public static readonly string[] ConfigFields =
        ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Labels", "Volumes", "StopSignal", "Healthcheck", "Shell", "OnBuild", "ArgsEscaped"];

    private static readonly HashSet<string> MountPointFolders = ["dev", "proc", "sys"];

    /// <summary>Every difference, as "path: expected-side vs actual-side" lines (empty when the images agree).</summary>
    public static List<string> Compare(ImageArchive expected, ImageArchive actual, string expectedName, string actualName)
    {
        var differences = new List<string>();
        foreach (var path in expected.Tree.Keys.Union(actual.Tree.Keys).Order(StringComparer.Ordinal))
        {
            expected.Tree.TryGetValue(path, out var e);
            actual.Tree.TryGetValue(path, out var a);
            if (e == a) continue;
            if (MountPointFolders.Contains(path) && (e ?? a) is { Type: "dir" } && !HasChildren(e is null ? actual : expected, path) && (e is null || a is null)) continue;
            differences.Add($"/{path}: {expectedName} {e?.ToString() ?? "(missing)"} vs {actualName} {a?.ToString() ?? "(missing)"}");
        }

        foreach (var field in ConfigFields)
        {
            var e = ImageArchive.Canonical(expected.Config[field]);
            var a = ImageArchive.Canonical(actual.Config[field]);
            if (e != a) differences.Add($"config {field}: {expectedName} {e} vs {actualName} {a}");
        }

        return differences;
    }

    private static bool HasChildren(ImageArchive image, string folder) => image.Tree.Keys.Any(k => k.StartsWith(folder + "/", StringComparison.Ordinal));
}
