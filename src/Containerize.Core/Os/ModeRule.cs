namespace Containerize.Core.Os;

/// <summary>
/// The file modes an image gets where the file system has none (Windows, or its rules forced: see
/// <see cref="HostRules.HasUnixModes"/>): folders 0755; files 0755 when they are executables (the project's app
/// host, items marked <c>ContainerExecutable="true"</c>, passed down as context-relative paths) or end in
/// <c>.sh</c>; every other file 0644. This is what the same publish output has on Linux, so an image built on
/// Windows equals one built on Linux.
/// </summary>
public static class ModeRule
{
    public const uint Executable = 0x1ED; // 0755
    public const uint Regular = 0x1A4;    // 0644

    /// <summary>The permission bits before anything is known of the path: 0755 for a folder, 0644 for a file.</summary>
    public static uint Default(bool directory) => directory ? Executable : Regular;

    /// <summary>The permission bits of <paramref name="path"/> ('/'-separated, relative), given the executables.</summary>
    public static uint For(string path, EntryType type, IReadOnlySet<string>? executables) => type switch
    {
        EntryType.Directory => Executable,
        EntryType.Symlink => 0x1FF,
        _ when path.EndsWith(".sh", StringComparison.OrdinalIgnoreCase) => Executable,
        _ when executables is not null && executables.Contains(path) => Executable,
        _ => Regular,
    };
}
