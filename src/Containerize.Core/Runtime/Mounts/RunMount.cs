namespace Containerize.Core.Runtime.Mounts;

/// <summary>A `RUN --mount`. Target is an absolute path in the container.</summary>
public abstract record RunMount(string Target);

/// <summary>The sharing mode of a cache mount, as in BuildKit.</summary>
public enum CacheSharing
{
    /// <summary>Concurrent steps use the same folder.</summary>
    Shared,

    /// <summary>A concurrent step gets its own folder.</summary>
    Private,

    /// <summary>A concurrent step waits until the folder is free.</summary>
    Locked,
}

/// <summary>
/// A folder kept between builds under the runtime's cache folder, keyed by Id (default: the target). Uid, Gid and
/// Mode apply when the folder is first created.
/// </summary>
public sealed record CacheMount(string Target, string? Id = null, CacheSharing Sharing = CacheSharing.Shared,
    uint Uid = 0, uint Gid = 0, uint Mode = 0x1ED /* 0755 */, bool ReadOnly = false) : RunMount(Target)
{
    public string Key => string.IsNullOrEmpty(Id) ? Target : Id;
}

/// <summary>
/// A host folder (the context, or another stage's rootfs, as the engine supplies it). Read-only unless ReadWrite,
/// and then writes go to a throw-away layer: they never reach the source nor the step's diff.
/// </summary>
public sealed record BindMount(string Target, string SourceRoot, string? SubPath = null, bool ReadWrite = false) : RunMount(Target);

/// <summary>A secret file from the command line, read-only at /run/secrets/ID or Target; never in a layer.</summary>
public sealed record SecretMount(string Id, string SourceFile, string? TargetPath = null, uint Uid = 0, uint Gid = 0,
    uint Mode = 0x100 /* 0400 */, bool Required = true) : RunMount(TargetPath ?? "/run/secrets/" + Id);

/// <summary>A tmpfs; SizeBytes null means the kernel's default (half the memory).</summary>
public sealed record TmpfsMount(string Target, long? SizeBytes = null) : RunMount(Target);
