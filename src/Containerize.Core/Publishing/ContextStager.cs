using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Os;

namespace Containerize.Core.Publishing;

/// <summary>What one staging run did: a second run over an unchanged publish output only counts unchanged files.</summary>
public sealed record StagingResult(int Linked, int Copied, int Unchanged, int Removed);

/// <summary>
/// Stages a <see cref="LayerPlan"/> into a context folder, one sub-folder per layer, keeping file modes. Files are
/// hard-linked where the file system allows it and copied (with their modification time) where it does not; a file
/// whose size, time and mode already match is left alone and stale files are removed, so an unchanged publish output
/// leaves the context untouched and the engine's cache hits.
/// <para>
/// Paths are compared as the file system compares them: full, normalised paths (<see cref="Path.GetFullPath(string)"/>,
/// so a '/'-joined relative path and the enumeration's '' spelling are one path on Windows) under
/// <see cref="HostRules.PathComparer"/> (case-insensitive on Windows and macOS). Long paths need nothing special:
/// .NET adds the <c>\?\</c> prefix itself where Windows needs it.
/// </para>
/// </summary>
public static class ContextStager
{
    public static async Task<StagingResult> StageAsync(LayerPlan plan, string contextDirectory, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(contextDirectory);
        int linked = 0, copied = 0, unchanged = 0, removed = 0;
        var rules = HostRules.Current;
        var fs = HostFileSystem.Current;
        var expected = new HashSet<string>(rules.PathComparer);
        try
        {
            Directory.CreateDirectory(root);
            foreach (var layer in plan.Layers)
            {
                foreach (var file in layer.Files)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var target = Path.GetFullPath(Path.Combine(root, layer.Name, file.RelativePath));
                    expected.Add(target);
                    var source = new FileInfo(file.SourcePath);
                    if (!source.Exists)
                    {
                        throw new ContainerizeException(GenerationErrors.StagingFailed, $"the published file {file.SourcePath} does not exist", file.SourcePath,
                            hint: "publish again: the staging runs on the output of this publish");
                    }

                    var existing = new FileInfo(target);
                    if (existing.Exists && existing.Length == source.Length && existing.LastWriteTimeUtc == source.LastWriteTimeUtc &&
                        HostFileSystem.ModeOf(existing) == HostFileSystem.ModeOf(source))
                    {
                        unchanged++;
                        continue;
                    }

                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    if (existing.Exists) existing.Delete();
                    if (fs.TryHardLink(source.FullName, target))
                    {
                        linked++;
                    }
                    else
                    {
                        await CopyAsync(source, target, cancellationToken);
                        copied++;
                    }
                }
            }

            foreach (var stale in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => !expected.Contains(Path.GetFullPath(f))).ToList())
            {
                File.Delete(stale);
                removed++;
            }

            RemoveEmptyDirectories(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContainerizeException(GenerationErrors.StagingFailed, $"could not stage the container context in {root}: {e.Message}", root,
                hint: "check permissions and free space under obj/", inner: e);
        }

        return new StagingResult(linked, copied, unchanged, removed);
    }

    private static async Task CopyAsync(FileInfo source, string target, CancellationToken cancellationToken)
    {
        var temp = target + ".ctz-tmp";
        await using (var from = new FileStream(source.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous))
        await using (var to = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            await from.CopyToAsync(to, cancellationToken);
        }

        if (HostFileSystem.ModeOf(source) is { } mode) HostFileSystem.SetMode(temp, mode);
        File.SetLastWriteTimeUtc(temp, source.LastWriteTimeUtc);
        File.Move(temp, target, overwrite: true);
    }

    private static void RemoveEmptyDirectories(string root)
    {
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).ToList())
        {
            if (!Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
    }
}
