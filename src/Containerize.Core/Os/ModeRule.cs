namespace Containerize.Core.Os;

/// <summary>
/// The file modes an image gets where the file system has none (Windows, or its rules forced: see
/// <see cref="HostRules.HasUnixModes"/>): folders 0755; a file the caller gives a mode (a Host-mode publish: the app
/// host and items marked <c>ContainerExecutable="true"</c> 0755, files of NuGet packages 0744, passed down as
/// context-relative paths) has it; other files 0755 when they end in <c>.sh</c>, else 0644. This is what the same
/// publish output has on Linux, so an image built on Windows equals one built on Linux.
/// </summary>
public static class ModeRule
{
    public const uint Executable = 0x1ED; // 0755
    public const uint Regular = 0x1A4;    // 0644

    /// <summary>0744: NuGet's extraction on Linux (0766 less the umask, 022 almost everywhere) gives every package file this.</summary>
    public const uint NuGetExtracted = 0x1E4;

    /// <summary>The permission bits before anything is known of the path: 0755 for a folder, 0644 for a file.</summary>
    public static uint Default(bool directory) => directory ? Executable : Regular;

    /// <summary>The permission bits of <paramref name="path"/> ('/'-separated, relative), given the modes the caller knows.</summary>
    public static uint For(string path, EntryType type, IReadOnlyDictionary<string, UnixFileMode>? known) => type switch
    {
        EntryType.Directory => Executable,
        EntryType.Symlink => 0x1FF,
        _ when known is not null && known.TryGetValue(path, out var mode) => (uint)mode,
        _ when path.EndsWith(".sh", StringComparison.OrdinalIgnoreCase) => Executable,
        _ => Regular,
    };
}
