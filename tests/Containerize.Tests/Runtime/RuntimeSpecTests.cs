using System.Runtime.Versioning;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime;
using Containerize.Core.Runtime.Bundles;
using Containerize.Core.Runtime.Diff;
using Containerize.Core.Runtime.Users;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Runtime;

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class RuntimeSpecTests
{
    private static JsonElement Build(NetworkMode network, (uint, uint)? rootless = null)
    {
        var json = RuntimeSpecBuilder.Build(new BundleConfig
        {
            RootfsPath = "/r",
            Args = ["/bin/sh", "-c", "true"],
            Env = ["A=1"],
            Cwd = "/w",
            User = new ExecUser(1654, 1654, [50]),
            Network = network,
            RootlessHostIds = rootless,
        });
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static string[] Strings(JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToArray();

    [TestMethod]
    public void Spec_HasDockersDefaults()
    {
        var spec = Build(NetworkMode.Host);
        Assert.AreEqual("1.0.2", spec.GetProperty("ociVersion").GetString());
        var process = spec.GetProperty("process");
        Assert.IsFalse(process.GetProperty("terminal").GetBoolean());
        Assert.IsFalse(process.GetProperty("noNewPrivileges").GetBoolean());
        CollectionAssert.AreEqual(new[] { "PATH=" + RuntimeSpecBuilder.DefaultPath, "A=1" }, Strings(process.GetProperty("env")));
        Assert.AreEqual(1654, process.GetProperty("user").GetProperty("uid").GetInt32());
        CollectionAssert.AreEqual(new[] { 1654, 50 }, process.GetProperty("user").GetProperty("additionalGids").EnumerateArray().Select(x => x.GetInt32()).ToArray());
        Assert.HasCount(14, Strings(process.GetProperty("capabilities").GetProperty("bounding")));
        CollectionAssert.Contains(Strings(process.GetProperty("capabilities").GetProperty("effective")), "CAP_NET_BIND_SERVICE");
        CollectionAssert.DoesNotContain(Strings(process.GetProperty("capabilities").GetProperty("effective")), "CAP_SYS_ADMIN");
        var nofile = process.GetProperty("rlimits")[0];
        Assert.AreEqual("RLIMIT_NOFILE", nofile.GetProperty("type").GetString());
        Assert.IsLessThanOrEqualTo(1048576UL, nofile.GetProperty("hard").GetUInt64());
        Assert.IsFalse(spec.GetProperty("root").GetProperty("readonly").GetBoolean());
        var linux = spec.GetProperty("linux");
        CollectionAssert.AreEqual(new[] { "pid", "ipc", "uts", "mount" },
            linux.GetProperty("namespaces").EnumerateArray().Select(n => n.GetProperty("type").GetString()).ToArray());
        CollectionAssert.Contains(Strings(linux.GetProperty("maskedPaths")), "/proc/kcore");
        CollectionAssert.Contains(Strings(linux.GetProperty("readonlyPaths")), "/proc/sys");
        var mounts = spec.GetProperty("mounts").EnumerateArray().ToDictionary(m => m.GetProperty("destination").GetString()!);
        Assert.AreEqual("sysfs", mounts["/sys"].GetProperty("type").GetString());
        CollectionAssert.Contains(Strings(mounts["/sys"].GetProperty("options")), "ro");
        foreach (var d in new[] { "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue" }) Assert.IsTrue(mounts.ContainsKey(d), d);
    }

    [TestMethod]
    public void Spec_NetworkNoneAddsANetworkNamespace_RootlessAUserNamespace()
    {
        var none = Build(NetworkMode.None).GetProperty("linux").GetProperty("namespaces").EnumerateArray().Select(n => n.GetProperty("type").GetString());
        CollectionAssert.Contains(none.ToArray(), "network");
        var rootless = Build(NetworkMode.Host, (1000, 1000));
        var linux = rootless.GetProperty("linux");
        CollectionAssert.Contains(linux.GetProperty("namespaces").EnumerateArray().Select(n => n.GetProperty("type").GetString()).ToArray(), "user");
        Assert.AreEqual(1000, linux.GetProperty("uidMappings")[0].GetProperty("hostID").GetInt32());
        Assert.IsFalse(linux.TryGetProperty("resources", out _), "no cgroups rootless");
        var sys = rootless.GetProperty("mounts").EnumerateArray().Single(m => m.GetProperty("destination").GetString() == "/sys");
        Assert.AreEqual("/sys", sys.GetProperty("source").GetString(), "a rootless container on the host network binds /sys");
    }

    [TestMethod]
    public void Changes_WhiteoutNamesAndOrder()
    {
        var deleted = new FileChange("a/b/c.txt", ChangeKind.Deleted, FileKind.File, 0, 0, 0, 0, DateTimeOffset.UnixEpoch);
        Assert.AreEqual("a/b/.wh.c.txt", deleted.WhiteoutPath);
        Assert.AreEqual("a/b/c.txt/.wh..wh..opq", deleted.OpaqueMarkerPath);
        Assert.AreEqual(".wh.top", (deleted with { Path = "top" }).WhiteoutPath);
        var sorted = new[] { "a-b", "a/b", "a", "a.txt", "b" }.Order(LayerPathComparer.Instance).ToArray();
        CollectionAssert.AreEqual(new[] { "a", "a/b", "a-b", "a.txt", "b" }, sorted);
    }

    [TestMethod]
    public async Task Cli_RuntimeExec_PrintsOutputAndChanges()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var temp = new TempDir("ctz-runtime-cli");
        await BusyboxRootfs.CreateAsync(temp.Combine("rootfs"));
        var r = await CliRunner.RunAsync(temp.Path, "runtime", "exec", "--rootfs", "rootfs", "--state", "state", "--changes", "-e", "X=42",
            "--", "/bin/sh", "-c", "echo x=$X; echo v > /v");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        CollectionAssert.AreEqual(new[] { "x=42", "--- changes (Overlay)", "A v File 0644 0:0 2" }, r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var failed = await CliRunner.RunAsync(temp.Path, "runtime", "exec", "--rootfs", "rootfs", "--state", "state", "--", "/bin/sh", "-c", "exit 7");
        Assert.AreEqual(1, failed.ExitCode);
        StringAssert.Contains(failed.StdErr, RuntimeErrors.CommandFailed + " the command '/bin/sh -c exit 7' returned a non-zero code: 7");
        StringAssert.Contains(failed.StdErr, "hint: the failed step's bundle is kept in");
    }
}
