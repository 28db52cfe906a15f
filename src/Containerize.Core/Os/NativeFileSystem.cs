namespace Containerize.Core.Os;

/// <summary>The Linux path of <see cref="HostFileSystem"/>: readdir with d_type, statx and link(2) through <see cref="LibC"/>.</summary>
internal sealed class NativeFileSystem : HostFileSystem
{
    public static readonly NativeFileSystem Instance = new();

    public override bool IsNative => true;

    // No statuses: d_type gives the types, and the snapshot stats relative to the open folder on other threads.
    public override int ReadDirectory(string path, List<(string Name, EntryType Type)> entries, List<FileStatus>? statuses, List<string>? badNames,
        bool keepOpen, out nint open) =>
        DirectoryReader.Read(path, entries, badNames, keepOpen, out open);

    public override int LStat(string path, out FileStatus status) => -LibC.StatAt(LibC.AtFdCwd, path, out status);

    public override bool TryHardLink(string source, string target) => LibC.TryLink(source, target) == 0;
}
