using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Store;

/// <summary>Compares an unpacked root filesystem with what was put in: paths, contents, modes, owners, symlinks.</summary>
public static class RootfsAssert
{
    public static void Matches(IEnumerable<LayerFile> expected, string rootfs)
    {
        var expectedPaths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in expected)
        {
            var rel = f.Path.TrimEnd('/');
            expectedPaths.Add(rel);
            var full = Path.Combine(rootfs, rel);
            var info = new FileInfo(full);
            Assert.IsTrue(info.Exists || Directory.Exists(full) || info.LinkTarget is not null, $"{rel} is missing");
            var stat = Stat(full);
            if (f.LinkTarget is not null)
            {
                Assert.AreEqual(f.LinkTarget, info.LinkTarget, rel);
            }
            else
            {
                Assert.AreEqual(f.Mode, stat.Mode, $"{rel} mode");
                if (!f.Directory) Assert.AreEqual(f.Content, File.ReadAllText(full), rel);
            }

            Assert.AreEqual((f.Uid, f.Gid), (stat.Uid, stat.Gid), $"{rel} owner");
        }

        var actual = Directory.EnumerateFileSystemEntries(rootfs, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => Path.GetRelativePath(rootfs, p))
            .ToHashSet(StringComparer.Ordinal);
        CollectionAssert.AreEquivalent(expectedPaths.ToList(), actual.ToList(), "the unpacked tree has exactly the paths put in");
    }

    public static (UnixFileMode Mode, int Uid, int Gid) Stat(string path)
    {
        var r = ProcessRunner.RunAsync("stat", ["-c", "%a %u %g", path]).GetAwaiter().GetResult().EnsureSuccess("stat");
        var parts = r.StdOut.Trim().Split(' ');
        return ((UnixFileMode)Convert.ToInt32(parts[0], 8), int.Parse(parts[1]), int.Parse(parts[2]));
    }

    /// <summary>Two trees on disk are the same: paths, types, contents, modes, owners and symlink targets.</summary>
    public static void SameTree(string expectedRoot, string actualRoot)
    {
        static Dictionary<string, string> Describe(string root)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                var info = new FileInfo(p);
                var (mode, uid, gid) = Stat(p);
                var what = info.LinkTarget is { } link ? "link " + link
                    : Directory.Exists(p) ? $"dir {Convert.ToString((int)mode, 8)}"
                    : $"file {Convert.ToString((int)mode, 8)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p)))}";
                result[Path.GetRelativePath(root, p)] = $"{what} {uid}:{gid}";
            }

            return result;
        }

        var expected = Describe(expectedRoot);
        var actual = Describe(actualRoot);
        CollectionAssert.AreEquivalent(expected.Keys.ToList(), actual.Keys.ToList(), "the same paths");
        foreach (var (path, description) in expected) Assert.AreEqual(description, actual[path], path);
    }
}
