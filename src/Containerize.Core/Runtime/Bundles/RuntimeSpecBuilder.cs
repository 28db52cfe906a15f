using System.Text.Json;
using Containerize.Core.Runtime.Users;

namespace Containerize.Core.Runtime.Bundles;

/// <summary>What a bundle's config.json says, before the defaults are added.</summary>
public sealed record BundleConfig
{
    public required string RootfsPath { get; init; }

    public required IReadOnlyList<string> Args { get; init; }

    public required IReadOnlyList<string> Env { get; init; }

    public required string Cwd { get; init; }

    public required ExecUser User { get; init; }

    public string Hostname { get; init; } = "buildkitsandbox";

    public NetworkMode Network { get; init; } = NetworkMode.Host;

    /// <summary>Mounts added after the standard ones (/etc/hosts, RUN --mount targets).</summary>
    public IReadOnlyList<OciMountSpec> ExtraMounts { get; init; } = [];

    /// <summary>createRuntime hooks: run by runc on the host once the namespaces exist, before the process starts.</summary>
    public IReadOnlyList<OciHook> CreateRuntimeHooks { get; init; } = [];

    /// <summary>Rootless: a user namespace mapping container root to these host ids, and no cgroups.</summary>
    public (uint Uid, uint Gid)? RootlessHostIds { get; init; }
}

/// <summary>
/// Writes an OCI runtime spec (config.json) with Docker's defaults for a build step: its capability set,
/// masked and read-only paths, /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue and a read-only /sys.
/// </summary>
public static class RuntimeSpecBuilder
{
    public const string OciVersion = "1.0.2";

    /// <summary>Docker's default capabilities (moby's oci/caps DefaultCapabilities), which BuildKit also uses.</summary>
    public static readonly IReadOnlyList<string> DefaultCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    public static readonly IReadOnlyList<string> DefaultMaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    public static readonly IReadOnlyList<string> DefaultReadonlyPaths =
    [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ];

    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public const ulong MaxNoFile = 1048576;

    /// <summary>The container paths the runtime itself mounts over; see <see cref="BundleConfig.ExtraMounts"/> for the rest.</summary>
    public static readonly IReadOnlyList<string> StandardMountTargets = ["/proc", "/dev", "/sys"];

    public static IReadOnlyList<OciMountSpec> StandardMounts(NetworkMode network, bool rootless)
    {
        var mounts = new List<OciMountSpec>
        {
            new("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
            new("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            // Rootless: gid 5 (tty) is not mapped in the user namespace.
            new("/dev/pts", "devpts", "devpts", rootless
                ? ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]
                : ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            new("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        };
        if (!rootless) mounts.Add(new("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]));

        // sysfs can only be mounted by the owner of the network namespace: a rootless container on the host's
        // network gets a read-only bind of the host's /sys instead (as runc spec --rootless does).
        mounts.Add(rootless && network == NetworkMode.Host
            ? new("/sys", "none", "/sys", ["rbind", "nosuid", "noexec", "nodev", "ro"])
            : new("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]));
        return mounts;
    }

    /// <summary>RLIMIT_NOFILE for the process: 1048576, or the hard limit this process has when that is lower.</summary>
    public static ulong NoFileLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 2 && ulong.TryParse(fields[1], System.Globalization.CultureInfo.InvariantCulture, out var hard))
                    return Math.Min(hard, MaxNoFile);
            }
        }
        catch (IOException)
        {
        }

        return MaxNoFile;
    }

    public static byte[] Build(BundleConfig config)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            var rootless = config.RootlessHostIds is not null;
            var noFile = NoFileLimit();
            w.WriteStartObject();
            w.WriteString("ociVersion", OciVersion);

            w.WriteStartObject("process");
            w.WriteBoolean("terminal", false);
            w.WriteStartObject("user");
            w.WriteNumber("uid", config.User.Uid);
            w.WriteNumber("gid", config.User.Gid);
            w.WriteNumber("umask", 0x12 /* 0022 */);
            // BuildKit (containerd's spec) lists the primary gid among the supplementary groups, so `id` in a RUN
            // prints groups=GID as under docker build; a rootless user namespace maps no other group to set.
            List<uint> groups = config.RootlessHostIds is null ? [config.User.Gid, .. config.User.AdditionalGids.Where(g => g != config.User.Gid)] : config.User.AdditionalGids.ToList();
            if (groups.Count > 0)
            {
                w.WriteStartArray("additionalGids");
                foreach (var g in groups) w.WriteNumberValue(g);
                w.WriteEndArray();
            }

            w.WriteEndObject();
            WriteStrings(w, "args", config.Args);
            var env = config.Env.ToList();
            if (!env.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal))) env.Insert(0, "PATH=" + DefaultPath);
            WriteStrings(w, "env", env);
            w.WriteString("cwd", config.Cwd);
            w.WriteStartObject("capabilities");
            foreach (var set in new[] { "bounding", "effective", "permitted" }) WriteStrings(w, set, DefaultCapabilities);
            w.WriteEndObject();
            w.WriteStartArray("rlimits");
            w.WriteStartObject();
            w.WriteString("type", "RLIMIT_NOFILE");
            w.WriteNumber("hard", noFile);
            w.WriteNumber("soft", noFile);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteBoolean("noNewPrivileges", false);
            w.WriteEndObject();

            w.WriteStartObject("root");
            w.WriteString("path", config.RootfsPath);
            w.WriteBoolean("readonly", false);
            w.WriteEndObject();
            w.WriteString("hostname", config.Hostname);
            if (config.CreateRuntimeHooks.Count > 0)
            {
                w.WriteStartObject("hooks");
                w.WriteStartArray("createRuntime");
                foreach (var hook in config.CreateRuntimeHooks)
                {
                    w.WriteStartObject();
                    w.WriteString("path", hook.Path);
                    WriteStrings(w, "args", hook.Args);
                    if (hook.Timeout is { } timeout) w.WriteNumber("timeout", timeout);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteStartArray("mounts");
            foreach (var m in StandardMounts(config.Network, rootless).Concat(config.ExtraMounts))
            {
                w.WriteStartObject();
                w.WriteString("destination", m.Destination);
                w.WriteString("type", m.Type);
                w.WriteString("source", m.Source);
                WriteStrings(w, "options", m.Options);
                w.WriteEndObject();
            }

            w.WriteEndArray();

            w.WriteStartObject("linux");
            if (config.RootlessHostIds is { } ids)
            {
                WriteMapping(w, "uidMappings", ids.Uid);
                WriteMapping(w, "gidMappings", ids.Gid);
            }
            else
            {
                // Devices: deny all, runc then allows its default set (null, zero, full, tty, random, urandom, ptmx).
                w.WriteStartObject("resources");
                w.WriteStartArray("devices");
                w.WriteStartObject();
                w.WriteBoolean("allow", false);
                w.WriteString("access", "rwm");
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteStartArray("namespaces");
            var namespaces = new List<string> { "pid", "ipc", "uts", "mount" };
            if (config.Network != NetworkMode.Host) namespaces.Add("network");
            if (rootless) namespaces.Add("user");
            foreach (var ns in namespaces)
            {
                w.WriteStartObject();
                w.WriteString("type", ns);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteStrings(w, "maskedPaths", DefaultMaskedPaths);
            WriteStrings(w, "readonlyPaths", DefaultReadonlyPaths);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteMapping(Utf8JsonWriter w, string name, uint hostId)
    {
        w.WriteStartArray(name);
        w.WriteStartObject();
        w.WriteNumber("containerID", 0);
        w.WriteNumber("hostID", hostId);
        w.WriteNumber("size", 1);
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
