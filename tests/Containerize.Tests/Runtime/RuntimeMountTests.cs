using System.Runtime.Versioning;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime;
using Containerize.Core.Runtime.Mounts;

namespace Containerize.Tests.Runtime;

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class RuntimeMountTests
{
    private static async Task<(List<string> Output, RunResult Result)> RunAsync(RuntimeFixture f, RunRequest request,
        RootfsStrategy strategy = RootfsStrategy.Auto)
    {
        var output = new List<string>();
        var result = await f.Runtime(strategy).RunAsync(request, output.Add, CancellationToken.None);
        return (output, result);
    }

    [TestMethod]
    [DataRow(RootfsStrategy.Overlay)]
    [DataRow(RootfsStrategy.Copy)]
    public async Task Mount_CachePersistsBetweenRuns_AndNeverEntersTheDiff(RootfsStrategy strategy)
    {
        using var f = await RuntimeFixture.CreateAsync();
        RunMount[] mounts = [new CacheMount("/root/.nuget/packages", Uid: 1654, Gid: 1654, Mode: 0x1FF)];
        var (first, r1) = await RunAsync(f, f.Shell("stat -c '%u:%g %a' .; echo 1 >> count; cat count | wc -l") with
        {
            Mounts = mounts, WorkingDirectory = "/root/.nuget/packages",
        }, strategy);
        await using (r1)
        {
            CollectionAssert.AreEqual(new[] { "1654:1654 777", "1" }, first);
            Assert.IsEmpty(r1.Changes, string.Join("; ", r1.Changes));
        }

        var (second, r2) = await RunAsync(f, f.Shell("echo 1 >> /root/.nuget/packages/count; wc -l < /root/.nuget/packages/count") with { Mounts = mounts }, strategy);
        await using (r2)
        {
            CollectionAssert.AreEqual(new[] { "2" }, second);
            Assert.IsEmpty(r2.Changes, string.Join("; ", r2.Changes));
        }

        // Another id is another folder.
        var (third, r3) = await RunAsync(f, f.Shell("ls /c | wc -l") with { Mounts = [new CacheMount("/c", Id: "other")] }, strategy);
        await using (r3) CollectionAssert.AreEqual(new[] { "0" }, third);
    }

    [TestMethod]
    public async Task Mount_CacheLockedWaitsAndPrivateGetsItsOwnFolder()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var runtime = f.Runtime();
        var locked = new CacheMount("/c", Id: "shared-id", Sharing: CacheSharing.Locked);
        var slowOutput = new List<string>();
        var holding = new TaskCompletionSource();
        var slow = runtime.RunAsync(f.Shell("echo first > /c/owner; echo holding; sleep 2; cat /c/owner") with { Mounts = [locked] },
            line =>
            {
                slowOutput.Add(line);
                holding.TrySetResult();
            }, CancellationToken.None);
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var privateOutput = new List<string>();
        await using (await runtime.RunAsync(f.Shell("ls /c | wc -l") with { Mounts = [locked with { Sharing = CacheSharing.Private }] },
                         privateOutput.Add, CancellationToken.None))
        {
            CollectionAssert.AreEqual(new[] { "0" }, privateOutput, "a private mount does not see the busy folder");
        }

        var lockedOutput = new List<string>();
        await using (await runtime.RunAsync(f.Shell("echo second > /c/owner; cat /c/owner") with { Mounts = [locked] }, lockedOutput.Add, CancellationToken.None))
        {
            CollectionAssert.AreEqual(new[] { "second" }, lockedOutput);
        }

        await using (var first = await slow) Assert.IsEmpty(first.Changes);
        // The slow step still read its own write after sleeping: the second locked step waited for it to finish.
        CollectionAssert.AreEqual(new[] { "holding", "first" }, slowOutput);
    }

    [TestMethod]
    public async Task Mount_BindReadOnly_WriteFails()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var context = Path.Combine(f.Temp, "context");
        Directory.CreateDirectory(Path.Combine(context, "src"));
        await File.WriteAllTextAsync(Path.Combine(context, "src", "app.cs"), "class App {}\n");
        var (output, result) = await RunAsync(f, f.Shell("cat /ctx/app.cs; touch /ctx/new 2>/dev/null && echo wrote || echo read-only") with
        {
            Mounts = [new BindMount("/ctx", context, "src")],
        });
        await using var _ = result;
        CollectionAssert.AreEqual(new[] { "class App {}", "read-only" }, output);
        Assert.IsFalse(File.Exists(Path.Combine(context, "src", "new")));
        Assert.IsEmpty(result.Changes, string.Join("; ", result.Changes));
    }

    [TestMethod]
    [DataRow(RootfsStrategy.Overlay)]
    [DataRow(RootfsStrategy.Copy)]
    public async Task Mount_BindReadWrite_WritesAreDiscarded(RootfsStrategy strategy)
    {
        using var f = await RuntimeFixture.CreateAsync();
        var context = Path.Combine(f.Temp, "context");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(Path.Combine(context, "a.txt"), "original\n");
        var (output, result) = await RunAsync(f, f.Shell("echo changed > /ctx/a.txt && echo new > /ctx/b.txt && cat /ctx/a.txt") with
        {
            Mounts = [new BindMount("/ctx", context, ReadWrite: true)],
        }, strategy);
        await using (result)
        {
            CollectionAssert.AreEqual(new[] { "changed" }, output);
            Assert.AreEqual("original\n", await File.ReadAllTextAsync(Path.Combine(context, "a.txt")));
            Assert.IsFalse(File.Exists(Path.Combine(context, "b.txt")));
            Assert.IsEmpty(result.Changes, string.Join("; ", result.Changes));
        }

        // Removing the step's folder (with its link to the source) leaves the source alone.
        Assert.IsFalse(Directory.Exists(result.RunDirectory));
        Assert.AreEqual("original\n", await File.ReadAllTextAsync(Path.Combine(context, "a.txt")));
    }

    /// <summary>
    /// A bind's sub-path is resolved inside its root as BuildKit does: '..' stops at the root, and a symlink (absolute,
    /// climbing, in the middle of the path) leads inside it. runc follows a link on this machine, so before this a
    /// link to a host folder mounted that folder: the canary beside the root must never be readable in the step.
    /// </summary>
    [TestMethod]
    [DataRow(false, RootfsStrategy.Auto)]
    [DataRow(true, RootfsStrategy.Overlay)]
    [DataRow(true, RootfsStrategy.Copy)]
    public async Task Mount_BindSubPathIsResolvedInsideTheRoot(bool readWrite, RootfsStrategy strategy)
    {
        using var f = await RuntimeFixture.CreateAsync();
        var canary = Path.Combine(f.Temp, "canary");
        Directory.CreateDirectory(canary);
        await File.WriteAllTextAsync(Path.Combine(canary, "secret.txt"), "HOST-CANARY\n");
        var root = Path.Combine(f.Temp, "context");
        var shadow = Path.Combine(root, canary.TrimStart('/'));
        Directory.CreateDirectory(shadow);
        await File.WriteAllTextAsync(Path.Combine(shadow, "secret.txt"), "inside\n");
        Directory.CreateDirectory(Path.Combine(root, "canary"));
        await File.WriteAllTextAsync(Path.Combine(root, "canary", "secret.txt"), "climbed\n");
        File.CreateSymbolicLink(Path.Combine(root, "abs"), canary);
        File.CreateSymbolicLink(Path.Combine(root, "up"), "../canary");

        BindMount Bind(string target, string sub) => new(target, root, sub, readWrite);
        var (output, result) = await RunAsync(f, f.Shell("cat /a/secret.txt /u/secret.txt /f /r/abs/secret.txt 2>&1; ls /top") with
        {
            Mounts = [Bind("/a", "abs"), Bind("/u", "up"), Bind("/f", "abs/secret.txt"), Bind("/r", "../.."), Bind("/top", "../..")],
        }, strategy);
        await using (result)
        {
            // /r/abs is the link itself inside the mount: the container resolves it in its own rootfs, where it names nothing.
            CollectionAssert.AreEqual(new[] { "inside", "climbed", "inside", $"cat: can't open '/r/abs/secret.txt': No such file or directory", "abs", "canary", "tmp", "up" },
                output.Select(l => l.TrimEnd()).ToList(), string.Join("\n", output));
        }

        File.CreateSymbolicLink(Path.Combine(root, "dangling"), Path.Combine(f.Temp, "elsewhere"));
        Directory.CreateDirectory(Path.Combine(f.Temp, "elsewhere"));
        File.CreateSymbolicLink(Path.Combine(root, "loop"), "loop");
        foreach (var sub in new[] { "dangling", "loop" })
        {
            var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => RunAsync(f, f.Shell("true") with { Mounts = [Bind("/d", sub)] }, strategy));
            Assert.AreEqual(RuntimeErrors.BindSourceNotFound, e.Code, sub);
        }
    }

    [TestMethod]
    [DataRow(RootfsStrategy.Overlay)]
    [DataRow(RootfsStrategy.Copy)]
    public async Task Mount_SecretIsReadable_AndAbsentFromTheDiffAndTheDisk(RootfsStrategy strategy)
    {
        using var f = await RuntimeFixture.CreateAsync();
        var secretFile = Path.Combine(f.Temp, "token.txt");
        await File.WriteAllTextAsync(secretFile, "s3cr3t\n");
        var (output, result) = await RunAsync(f, f.Shell("cat /run/secrets/token; stat -c '%a %u' /run/secrets/token; cat /custom/place; echo x > /run/secrets/token || echo read-only") with
        {
            Mounts = [new SecretMount("token", secretFile), new SecretMount("other", secretFile, "/custom/place", Uid: 1654, Mode: 0x124)],
        }, strategy);
        await using var _ = result;
        CollectionAssert.AreEqual(new[] { "s3cr3t", "400 0", "s3cr3t", "read-only" }, output.Where(l => !l.Contains("Read-only", StringComparison.Ordinal)).ToArray());
        Assert.IsEmpty(result.Changes, string.Join("; ", result.Changes));
        var leftovers = Directory.EnumerateFiles(result.RunDirectory, "*", SearchOption.AllDirectories)
            .Where(p => !p.Contains("/rootfs/", StringComparison.Ordinal) && !p.Contains("/upper/", StringComparison.Ordinal))
            .Where(p => File.ReadAllText(p).Contains("s3cr3t", StringComparison.Ordinal)).ToList();
        Assert.IsEmpty(leftovers, "the secret copy is deleted once the step ends");
    }

    [TestMethod]
    public async Task Mount_MissingSecretIsCoded()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() =>
            RunAsync(f, f.Shell("true") with { Mounts = [new SecretMount("nope", Path.Combine(f.Temp, "missing"))] }));
        Assert.AreEqual(RuntimeErrors.SecretNotFound, e.Code);
    }

    [TestMethod]
    public async Task Mount_Tmpfs()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var (output, result) = await RunAsync(f, f.Shell("grep ' /scratch ' /proc/mounts | cut -d' ' -f3; echo data > /scratch/f; df -k /scratch | tail -1 | awk '{print $2}'") with
        {
            Mounts = [new TmpfsMount("/scratch", 8 * 1024 * 1024)],
        });
        await using var _ = result;
        CollectionAssert.AreEqual(new[] { "tmpfs", "8192" }, output);
        Assert.IsEmpty(result.Changes, string.Join("; ", result.Changes));
    }

    [TestMethod]
    public async Task Mount_RelativeTargetIsCoded()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() =>
            RunAsync(f, f.Shell("true") with { Mounts = [new TmpfsMount("scratch")] }));
        Assert.AreEqual(RuntimeErrors.InvalidMount, e.Code);
    }
}
