using System.Runtime.Versioning;
using Containerize.Core.Context.Git;
using Containerize.Core.Diagnostics;
using Containerize.Tests.Context.Git;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// `containerize build GIT-URL` and `--build-context NAME=GIT-URL` against a real smart-HTTP git server
/// (<see cref="GitHttpServer"/>: git http-backend on 127.0.0.1): a tag, a branch, a commit, the remote's HEAD and a
/// subfolder; the subfolder's .dockerignore, no .git, -f relative to the subfolder, the same image digest as
/// building the checked-out folder, coded errors (dead port, unknown ref, subfolders out of the clone), and
/// passwords never printed.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EngineGitContextTests
{
    private static TempDir? s_temp;
    private static GitHttpServer? s_server;
    private static string s_git = "";
    private static string s_work = "";
    private static string s_firstCommit = "";

    [ClassInitialize]
    public static async Task ClassInitialize(TestContext _)
    {
        s_git = Requirements.Tool("git");
        s_temp = new TempDir("ctz-gitctx");
        s_work = s_temp.Combine("work");
        var root = s_temp.Combine("served");
        Directory.CreateDirectory(s_work);
        Directory.CreateDirectory(Path.Combine(root, "private"));

        await Git(s_work, "init", "-q", "-b", "main");
        Write("Dockerfile", "FROM busybox:test\nCOPY . /all/\n");
        Write("README.md", "root\n");
        Write("sub/Dockerfile", "FROM busybox:test\nCOPY . /app/\n");
        Write("sub/Dockerfile.alt", "FROM busybox:test\nCOPY app.txt /alt/app.txt\n");
        Write("sub/.dockerignore", "secret.txt\n*.log\n");
        Write("sub/app.txt", "v1\n");
        Write("sub/secret.txt", "do not ship\n");
        Write("sub/debug.log", "noise\n");
        Write("sub/bin/run.sh", "#!/bin/sh\necho run\n");
        File.SetUnixFileMode(Path.Combine(s_work, "sub/bin/run.sh"), (UnixFileMode)0b111_101_101);
        Write("scratch/Dockerfile", "FROM scratch\nCOPY . /\n");
        Write("scratch/.dockerignore", "*.tmp\n");
        Write("scratch/a.txt", "a\n");
        Write("scratch/b.tmp", "ignored\n");
        Write("scratch/d/e.txt", "e\n");
        File.CreateSymbolicLink(Path.Combine(s_work, "scratch/link"), "a.txt");
        File.CreateSymbolicLink(Path.Combine(s_work, "escape-abs"), "/etc");
        File.CreateSymbolicLink(Path.Combine(s_work, "escape-up"), "../..");
        File.CreateSymbolicLink(Path.Combine(s_work, "sub-link"), "sub");
        await Git(s_work, "add", "-A");
        await Git(s_work, "commit", "-q", "-m", "first");
        await Git(s_work, "tag", "-a", "v1", "-m", "release 1");
        s_firstCommit = (await Git(s_work, "rev-parse", "HEAD")).Trim();

        Write("sub/app.txt", "v2\n");
        await Git(s_work, "commit", "-q", "-am", "second");
        await Git(s_work, "checkout", "-q", "-b", "feature");
        Write("sub/app.txt", "feature\n");
        await Git(s_work, "commit", "-q", "-am", "feature work");
        await Git(s_work, "checkout", "-q", "main");

        await Git(root, "clone", "-q", "--bare", s_work, Path.Combine(root, "repo.git"));
        await Git(root, "clone", "-q", "--bare", s_work, Path.Combine(root, "private", "repo.git"));
        s_server = new GitHttpServer(s_git, root);
    }

    [ClassCleanup]
    public static void ClassCleanup()
    {
        s_server?.Dispose();
        s_temp?.Dispose();
    }

    private static GitHttpServer Server => s_server!;

    private static void Write(string relative, string content)
    {
        var path = Path.Combine(s_work, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static async Task<string> Git(string folder, params string[] args)
    {
        var env = new Dictionary<string, string?>
        {
            ["GIT_AUTHOR_NAME"] = "t", ["GIT_AUTHOR_EMAIL"] = "t@example.com", ["GIT_COMMITTER_NAME"] = "t", ["GIT_COMMITTER_EMAIL"] = "t@example.com",
            ["GIT_CONFIG_NOSYSTEM"] = "1", ["GIT_CONFIG_GLOBAL"] = "/dev/null", // no signing or hooks from the machine's config
        };
        var result = await ProcessRunner.RunAsync(s_git, args, folder, env);
        result.EnsureSuccess("git " + string.Join(' ', args));
        return result.StdOut;
    }

    private static Task<CliResult> BuildAsync(EngineLab lab, params string[] args) =>
        CliRunner.RunAsync(lab.Temp, ["build", "--store", lab.Store, "--runtime-root", lab.RuntimeRoot, .. args]);

    private static string Text(string rootfs, string path) => File.ReadAllText(Path.Combine(rootfs, path));

    [TestMethod]
    public async Task GitContext_Tag_Subfolder_SameDigestAsTheCheckedOutFolder_IgnoreFileHonoured()
    {
        using var lab = await EngineLab.CreateAsync();
        var built = await BuildAsync(lab, "-t", "fromgit:1", Server.Url("repo.git#v1:sub"));
        Assert.AreEqual(0, built.ExitCode, built.StdErr + built.StdOut);
        var rootfs = await lab.UnpackAsync("fromgit:1");
        Assert.AreEqual("v1\n", Text(rootfs, "app/app.txt"), "the tag's content");
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "app/secret.txt")), "the subfolder's .dockerignore applies");
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "app/debug.log")), "the subfolder's .dockerignore applies");
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "app/README.md")), "only the subfolder is the context");
        Assert.AreEqual((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(rootfs, "app/bin/run.sh")), "git's executable bit");

        // The same tag cloned by hand, .git removed: the folder a user would build. Same image, byte for byte.
        var clone = Path.Combine(lab.Temp, "clone");
        await Git(lab.Temp, "clone", "-q", "--branch", "v1", s_work, clone);
        Directory.Delete(Path.Combine(clone, ".git"), recursive: true);
        var local = await BuildAsync(lab, "-t", "fromdir:1", Path.Combine(clone, "sub"));
        Assert.AreEqual(0, local.ExitCode, local.StdErr + local.StdOut);
        var (fromGit, _) = await lab.ImageAsync("fromgit:1");
        var (fromDir, _) = await lab.ImageAsync("fromdir:1");
        Assert.AreEqual(fromDir.Digest, fromGit.Digest, "a git context builds the image its checked-out folder builds");
    }

    [TestMethod]
    public async Task GitContext_Branch_Commit_RemoteHead_AndFileRelativeToSubfolder()
    {
        using var lab = await EngineLab.CreateAsync();
        var branch = await BuildAsync(lab, "-t", "g:branch", Server.Url("repo.git#feature:sub"));
        Assert.AreEqual(0, branch.ExitCode, branch.StdErr + branch.StdOut);
        Assert.AreEqual("feature\n", Text(await lab.UnpackAsync("g:branch"), "app/app.txt"));

        var commit = await BuildAsync(lab, "-t", "g:commit", Server.Url($"repo.git#{s_firstCommit}:sub"));
        Assert.AreEqual(0, commit.ExitCode, commit.StdErr + commit.StdOut);
        Assert.AreEqual("v1\n", Text(await lab.UnpackAsync("g:commit"), "app/app.txt"));

        // No fragment: the remote's HEAD (main), the repository's root, its own Dockerfile; no .git in the context.
        var head = await BuildAsync(lab, "-t", "g:head", Server.Url("repo.git"));
        Assert.AreEqual(0, head.ExitCode, head.StdErr + head.StdOut);
        var rootfs = await lab.UnpackAsync("g:head");
        Assert.AreEqual("v2\n", Text(rootfs, "all/sub/app.txt"));
        Assert.AreEqual("root\n", Text(rootfs, "all/README.md"));
        Assert.IsFalse(Directory.Exists(Path.Combine(rootfs, "all/.git")) || File.Exists(Path.Combine(rootfs, "all/.git")), "no .git in a git context");
        Assert.IsFalse(head.StdErr.Contains("CTZ2103", StringComparison.Ordinal), "no .git warning: " + head.StdErr);

        // -f names a file of the subfolder, as docker takes it with a git context.
        var alt = await BuildAsync(lab, "-t", "g:alt", "-f", "Dockerfile.alt", Server.Url("repo.git#main:sub"));
        Assert.AreEqual(0, alt.ExitCode, alt.StdErr + alt.StdOut);
        Assert.AreEqual("v2\n", Text(await lab.UnpackAsync("g:alt"), "alt/app.txt"));

        // A link to a folder inside the clone is a fine SUBDIR.
        var linked = await BuildAsync(lab, "-t", "g:linked", Server.Url("repo.git#v1:sub-link"));
        Assert.AreEqual(0, linked.ExitCode, linked.StdErr + linked.StdOut);
        Assert.AreEqual("v1\n", Text(await lab.UnpackAsync("g:linked"), "app/app.txt"));
    }

    [TestMethod]
    public async Task GitContext_NamedContext_ServesCopyFrom()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY --from=extra app.txt /x/app.txt\nCOPY --from=extra . /extra/\n");
        var result = await CliRunner.RunAsync(lab.Context, ["build", "--store", lab.Store, "--runtime-root", lab.RuntimeRoot, "-t", "named:git",
            "--build-context", "extra=" + Server.Url("repo.git#v1:sub"), "."]);
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("named:git");
        Assert.AreEqual("v1\n", Text(rootfs, "x/app.txt"));
        Assert.AreEqual("v1\n", Text(rootfs, "extra/app.txt"));
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "extra/secret.txt")), "the named git context's .dockerignore applies");
    }

    [TestMethod]
    public async Task GitContext_Unreachable_UnknownRef_BadSubfolders_AreCodedErrors()
    {
        using var lab = await EngineLab.CreateAsync();
        int deadPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            deadPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        await ExpectAsync(lab, GitErrors.Unreachable, $"http://127.0.0.1:{deadPort}/repo.git#main");
        await ExpectAsync(lab, GitErrors.UnknownRef, Server.Url("repo.git#no-such-branch"));
        await ExpectAsync(lab, GitErrors.UnknownRef, Server.Url("repo.git#" + new string('0', 40)));
        await ExpectAsync(lab, GitErrors.AccessDenied, Server.Url("missing.git#main"));
        await ExpectAsync(lab, GitErrors.SubdirNotFound, Server.Url("repo.git#main:nope"));
        await ExpectAsync(lab, GitErrors.OutsideClone, Server.Url("repo.git#main:../.."));
        await ExpectAsync(lab, GitErrors.OutsideClone, Server.Url("repo.git#main:escape-abs"));
        await ExpectAsync(lab, GitErrors.OutsideClone, Server.Url("repo.git#main:escape-up"));
        await ExpectAsync(lab, GitErrors.OutsideClone, Server.Url("repo.git#main:sub"), "-f", "../Dockerfile");
        await ExpectAsync(lab, GitErrors.DockerfileNotFound, Server.Url("repo.git#main:sub"), "-f", "Nope.Dockerfile");
        await ExpectAsync(lab, GitErrors.HttpContext, "https://127.0.0.1:1/context.tar.gz");
    }

    [TestMethod]
    public async Task GitContext_Credentials_InTheUrl_AreUsedAndNeverPrinted()
    {
        using var lab = await EngineLab.CreateAsync();
        var withPassword = $"http://{GitHttpServer.User}:{GitHttpServer.Password}@127.0.0.1:{Server.Port}/private/repo.git";
        var built = await BuildAsync(lab, "-t", "private:1", withPassword + "#v1:sub");
        Assert.AreEqual(0, built.ExitCode, built.StdErr + built.StdOut);
        Assert.IsFalse((built.StdOut + built.StdErr).Contains(GitHttpServer.Password, StringComparison.Ordinal), built.StdOut + built.StdErr);
        StringAssert.Contains(built.StdOut + built.StdErr, $"{GitHttpServer.User}:xxxxx@127.0.0.1", "the URL is shown redacted");

        // --provenance names the repository (no credentials) and the commit, as BuildKit records a git context.
        var attested = await BuildAsync(lab, "-t", "private:2", "--provenance", withPassword + "#v1:sub");
        Assert.AreEqual(0, attested.ExitCode, attested.StdErr + attested.StdOut);
        var blobs = Directory.EnumerateFiles(Path.Combine(lab.Store, "blobs"), "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).Length < 1 << 20).Select(File.ReadAllText).ToList();
        var statement = blobs.Single(b => b.Contains("https://slsa.dev/provenance/v1", StringComparison.Ordinal) && b.Contains("\"_type\"", StringComparison.Ordinal));
        StringAssert.Contains(statement, $"\"git+http://127.0.0.1:{Server.Port}/private/repo.git\"");
        StringAssert.Contains(statement, $"\"gitCommit\": \"{s_firstCommit}\"");
        Assert.IsFalse(blobs.Any(b => b.Contains(GitHttpServer.Password, StringComparison.Ordinal)), "no stored document holds the password");

        // Git's failure text quotes the URL: still redacted.
        var unknown = await ExpectAsync(lab, GitErrors.UnknownRef, withPassword + "#nope");
        Assert.IsFalse(unknown.Contains(GitHttpServer.Password, StringComparison.Ordinal), unknown);
        StringAssert.Contains(unknown, "xxxxx");

        const string wrong = "wr0ng-guess-42";
        var denied = await ExpectAsync(lab, GitErrors.AccessDenied, $"http://{GitHttpServer.User}:{wrong}@127.0.0.1:{Server.Port}/private/repo.git#main");
        Assert.IsFalse(denied.Contains(wrong, StringComparison.Ordinal), denied);

        // No credentials and no prompt: a coded error at once, not a wait for a terminal.
        await ExpectAsync(lab, GitErrors.AccessDenied, Server.Url("private/repo.git#main"));
    }

    [TestMethod]
    public async Task GitContext_Checkout_TempFolderRemoved_OnSuccessFailureAndCancel()
    {
        using var temp = new TempDir("ctz-gittmp");
        var options = new GitCheckoutOptions { TempRoot = temp.Path };
        using (var checkout = await GitCheckout.CreateAsync(GitUrl.Parse(Server.Url("repo.git#v1:sub")), options, null, CancellationToken.None))
        {
            Assert.IsTrue(File.Exists(Path.Combine(checkout.ContextFolder, "app.txt")));
            Assert.IsFalse(Directory.Exists(Path.Combine(checkout.Tree, ".git")) || File.Exists(Path.Combine(checkout.Tree, ".git")));
            Assert.AreEqual(s_firstCommit, checkout.Commit, "an annotated tag is peeled to its commit");
            Assert.AreEqual(1, Directory.GetDirectories(temp.Path).Length);
        }

        Assert.AreEqual(0, Directory.GetFileSystemEntries(temp.Path).Length, "removed on dispose");

        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => GitCheckout.CreateAsync(GitUrl.Parse(Server.Url("repo.git#nope")), options, null, CancellationToken.None));
        Assert.AreEqual(GitErrors.UnknownRef, e.Code);
        Assert.AreEqual(0, Directory.GetFileSystemEntries(temp.Path).Length, "removed on failure");

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAsync<OperationCanceledException>(() => GitCheckout.CreateAsync(GitUrl.Parse(Server.Url("repo.git#main")), options, null, cancelled.Token));
        Assert.AreEqual(0, Directory.GetFileSystemEntries(temp.Path).Length, "removed on cancellation");
    }

    [TestMethod]
    public async Task GitContext_Commit_ServerRefusingUnadvertisedWants_FallsBackToTheHistory()
    {
        // Protocol v0 without uploadpack.allowReachableSHA1InWant: the server refuses "want <sha>" for a commit no
        // ref points at, so the shallow fetch fails and the full fetch finds it. (v2 servers accept it at once.)
        using var temp = new TempDir("ctz-gitv0");
        var previous = Environment.GetEnvironmentVariable("GIT_CONFIG_PARAMETERS");
        Environment.SetEnvironmentVariable("GIT_CONFIG_PARAMETERS", "'protocol.version=0'");
        try
        {
            lock (Server.Requests) Server.Requests.Clear();
            using var checkout = await GitCheckout.CreateAsync(GitUrl.Parse(Server.Url($"repo.git#{s_firstCommit}:sub")), new GitCheckoutOptions { TempRoot = temp.Path }, null, CancellationToken.None);
            Assert.AreEqual(s_firstCommit, checkout.Commit);
            Assert.AreEqual("v1\n", File.ReadAllText(Path.Combine(checkout.ContextFolder, "app.txt")));
            lock (Server.Requests)
            {
                Assert.AreEqual(2, Server.Requests.Count(r => r == "GET /repo.git/info/refs"), "a shallow try, then the history: " + string.Join(", ", Server.Requests));
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("GIT_CONFIG_PARAMETERS", previous);
        }
    }

    [TestMethod]
    public async Task GitContext_Docker26_SameFilesAsBuildKitsGitContext_AndHandOff()
    {
        var docker = DockerEngines.Docker26();
        using var lab = await EngineLab.CreateAsync();
        var url = Server.Url("repo.git#v1:scratch");

        // BuildKit fetches the same URL itself (dockerd runs on this machine's network).
        var output = Path.Combine(lab.Temp, "buildkit-out");
        var buildkit = await ProcessRunner.RunAsync(docker, ["build", "-q", "--no-cache", "-o", $"type=local,dest={output}", url], lab.Temp, timeout: TimeSpan.FromMinutes(3));
        buildkit.EnsureSuccess("docker build " + url);
        var fromBuildKit = FilesAndLinks(output);
        CollectionAssert.Contains(fromBuildKit, "link");
        // The one known difference: BuildKit applies no .dockerignore to a git context (docker/cli#2827,
        // docker/buildx#2353); the classic builder did, Docker's documentation says it does, and issue #22 asks it.
        CollectionAssert.Contains(fromBuildKit, "b.tmp", "BuildKit changed: the known difference in docs/cli.md is gone");
        var expected = fromBuildKit.Where(f => f != "b.tmp").ToList();

        var ours = await BuildAsync(lab, "-t", "scr:1", url);
        Assert.AreEqual(0, ours.ExitCode, ours.StdErr + ours.StdOut);
        CollectionAssert.AreEqual(expected, FilesAndLinks(await lab.UnpackAsync("scr:1")), "the files BuildKit's git context gives");

        // --engine docker: the engine gets our checkout of the URL; its image holds the same files.
        var tag = "ctz-git-handoff:" + Guid.NewGuid().ToString("N")[..8];
        var handoff = await CliRunner.RunAsync(lab.Temp, ["build", "--engine", "docker", "--client", docker, "-t", tag, url]);
        try
        {
            Assert.AreEqual(0, handoff.ExitCode, handoff.StdErr + handoff.StdOut);
            var container = (await ProcessRunner.RunAsync(docker, ["create", tag, "/none"])).EnsureSuccess("docker create").StdOut.Trim();
            var exported = Path.Combine(lab.Temp, "handoff-out");
            Directory.CreateDirectory(exported);
            var tar = Path.Combine(lab.Temp, "handoff.tar");
            (await ProcessRunner.RunAsync(docker, ["export", "-o", tar, container])).EnsureSuccess("docker export");
            await ProcessRunner.RunAsync(docker, ["rm", container]);
            (await ProcessRunner.RunAsync("tar", ["-xf", tar, "-C", exported])).EnsureSuccess("tar -x");
            // docker export adds the container's own mount points (/.dockerenv, /etc, /dev, /proc, /sys): left out.
            var files = FilesAndLinks(exported).Where(f => f != ".dockerenv" && !f.StartsWith("etc/", StringComparison.Ordinal) && !f.StartsWith("dev/", StringComparison.Ordinal)).ToList();
            CollectionAssert.AreEqual(expected, files);
        }
        finally
        {
            await ProcessRunner.RunAsync(docker, ["rmi", "-f", tag]);
        }
    }

    [TestMethod]
    public async Task GitContext_GitProtocol_FromGitDaemon_SameImageAsHttp()
    {
        using var lab = await EngineLab.CreateAsync();
        var port = FreePort();
        var daemon = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(s_git)
        {
            ArgumentList = { "daemon", "--export-all", "--reuseaddr", "--listen=127.0.0.1", $"--port={port}", $"--base-path={Server.Root}", Server.Root },
            UseShellExecute = false,
        })!;
        try
        {
            // Wait for the daemon to listen.
            for (var i = 0; i < 50; i++)
            {
                try
                {
                    using var probe = new System.Net.Sockets.TcpClient();
                    await probe.ConnectAsync(System.Net.IPAddress.Loopback, port);
                    break;
                }
                catch (System.Net.Sockets.SocketException)
                {
                    await Task.Delay(100);
                }
            }

            var viaGit = await BuildAsync(lab, "-t", "proto:git", $"git://127.0.0.1:{port}/repo.git#v1:sub");
            Assert.AreEqual(0, viaGit.ExitCode, viaGit.StdErr + viaGit.StdOut);
            var viaHttp = await BuildAsync(lab, "-t", "proto:http", Server.Url("repo.git#v1:sub"));
            Assert.AreEqual(0, viaHttp.ExitCode, viaHttp.StdErr + viaHttp.StdOut);
            Assert.AreEqual((await lab.ImageAsync("proto:http")).Manifest.Digest, (await lab.ImageAsync("proto:git")).Manifest.Digest);
            await ExpectAsync(lab, GitErrors.UnknownRef, $"git://127.0.0.1:{port}/repo.git#no-such-tag");
        }
        finally
        {
            daemon.Kill(entireProcessTree: true);
            await daemon.WaitForExitAsync();
            daemon.Dispose();
        }
    }

    [TestMethod]
    public async Task GitContext_SilentServer_TimesOutWithCodedError()
    {
        // A server that accepts the connection and never answers: git would wait for ever; the limit ends it.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<System.Net.Sockets.TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true) accepted.Add(await silent.AcceptTcpClientAsync());
            }
            catch (Exception)
            {
                // Stopped.
            }
        });
        using var temp = new TempDir("ctz-gitslow");
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => GitCheckout.CreateAsync(GitUrl.Parse($"http://127.0.0.1:{port}/repo.git#main"),
            new GitCheckoutOptions { TempRoot = temp.Path, Timeout = TimeSpan.FromSeconds(2) }, null, CancellationToken.None));
        Assert.AreEqual(GitErrors.TimedOut, e.Code, e.Message);
        Assert.IsTrue(started.Elapsed < TimeSpan.FromSeconds(30), started.Elapsed.ToString());
        Assert.AreEqual(0, Directory.GetFileSystemEntries(temp.Path).Length, "removed after the timeout");
        silent.Stop();
        await accepting;
        foreach (var c in accepted) c.Dispose();
    }

    [TestMethod]
    public async Task GitContext_UsersAutocrlf_DoesNotChangeTheBytes()
    {
        // Git for Windows' default (core.autocrlf=true) in the user's config: the context still has the repository's
        // bytes, as BuildKit's checkout, so the image is the same on every machine.
        using var temp = new TempDir("ctz-gitcrlf");
        var config = temp.Write("gitconfig", "[core]\n\tautocrlf = true\n");
        var previous = Environment.GetEnvironmentVariable("GIT_CONFIG_GLOBAL");
        Environment.SetEnvironmentVariable("GIT_CONFIG_GLOBAL", config);
        try
        {
            using var checkout = await GitCheckout.CreateAsync(GitUrl.Parse(Server.Url("repo.git#v1:sub")), new GitCheckoutOptions { TempRoot = temp.Path }, null, CancellationToken.None);
            CollectionAssert.AreEqual("v1\n"u8.ToArray(), File.ReadAllBytes(Path.Combine(checkout.ContextFolder, "app.txt")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("GIT_CONFIG_GLOBAL", previous);
        }
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    // Regular files and symlinks under a root, '/'-separated, in byte-wise order.
    private static List<string> FilesAndLinks(string root)
    {
        var result = new List<string>();
        void Walk(string dir, string rel)
        {
            foreach (var info in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                var path = rel.Length == 0 ? info.Name : rel + "/" + info.Name;
                if (info.LinkTarget is not null || info is FileInfo) result.Add(path);
                else Walk(info.FullName, path);
            }
        }

        Walk(root, "");
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>Runs a build that must fail with <paramref name="code"/>; returns everything it printed.</summary>
    private static async Task<string> ExpectAsync(EngineLab lab, string code, string url, params string[] extra)
    {
        var result = await BuildAsync(lab, [.. extra, url]);
        var text = result.StdOut + result.StdErr;
        Assert.AreNotEqual(0, result.ExitCode, $"{url}: {text}");
        StringAssert.Contains(text, code, $"{GitUrl.Redact(url)}: {text}");
        Assert.IsFalse(text.Contains("   at ", StringComparison.Ordinal), "no stack trace: " + text);
        return text;
    }
}
