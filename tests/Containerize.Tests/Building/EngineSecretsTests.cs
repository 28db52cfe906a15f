using System.IO.Compression;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// RUN --mount=type=secret and type=ssh: the secret is readable in its RUN only, never in a layer, the config or the
/// history; its bytes are not part of the cache key (as BuildKit); a missing required secret is CTZ5040 with its line.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EngineSecretsTests
{
    [TestMethod]
    public async Task Secret_ReadableInRunAndAbsentFromEveryLayerConfigAndHistory()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var lab = await EngineLab.CreateAsync();
        var marker = "s3cr3t-" + Guid.NewGuid().ToString("N");
        var secretFile = Path.Combine(lab.Temp, "token.txt");
        File.WriteAllText(secretFile, marker);
        var envName = "CTZ_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var envMarker = "env-" + marker;
        Environment.SetEnvironmentVariable(envName, envMarker);
        try
        {
            lab.Write("Dockerfile", """
                FROM busybox:test
                RUN --mount=type=secret,id=token md5sum /run/secrets/token | cut -d' ' -f1 > /md5.txt && stat -c '%a %u %g' /run/secrets/token > /default-mode.txt
                RUN --mount=type=secret,id=token,target=/etc/app/token,mode=0440,uid=7,gid=8 stat -c '%a %u %g' /etc/app/token > /custom-mode.txt
                RUN --mount=type=secret,id=fromenv,env=TOKEN sh -c 'echo "$TOKEN" | md5sum | cut -d" " -f1 > /env-md5.txt; test ! -e /run/secrets/fromenv && touch /env-only'
                RUN --mount=type=secret,id=absent ls /run/secrets > /optional.txt 2>&1 || echo none > /optional.txt
                """);
            var result = await lab.BuildAsync("-t", "secret:1", "--secret", $"id=token,src={secretFile}", "--secret", $"id=fromenv,env={envName}");
            Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);

            var rootfs = await lab.UnpackAsync("secret:1");
            Assert.AreEqual(Md5(marker), File.ReadAllText(Path.Combine(rootfs, "md5.txt")).Trim(), "the RUN read the secret");
            Assert.AreEqual("400 0 0", File.ReadAllText(Path.Combine(rootfs, "default-mode.txt")).Trim(), "BuildKit's default: 0400 root:root");
            Assert.AreEqual("440 7 8", File.ReadAllText(Path.Combine(rootfs, "custom-mode.txt")).Trim());
            Assert.AreEqual(Md5(envMarker + "\n"), File.ReadAllText(Path.Combine(rootfs, "env-md5.txt")).Trim(), "env= exposes the secret as a variable");
            Assert.IsTrue(File.Exists(Path.Combine(rootfs, "env-only")), "env= alone mounts no file");
            Assert.IsFalse(File.Exists(Path.Combine(rootfs, "run/secrets/token")));
            Assert.IsFalse(Directory.Exists(Path.Combine(rootfs, "etc/app")), "the mount point made for the secret is not in the layer");
            Assert.IsFalse(Directory.Exists(Path.Combine(rootfs, "run/secrets")), "nor is /run/secrets");

            // Nothing anywhere in the store holds the secret: every blob, decompressed when it is a layer.
            foreach (var blob in Directory.EnumerateFiles(Path.Combine(lab.Store, "blobs"), "*", SearchOption.AllDirectories))
            {
                var text = Encoding.Latin1.GetString(ReadMaybeGzip(blob));
                Assert.IsFalse(text.Contains(marker, StringComparison.Ordinal), $"{blob} holds the file secret");
                Assert.IsFalse(text.Contains(envMarker, StringComparison.Ordinal), $"{blob} holds the env secret");
            }

            var (_, config) = await lab.ImageAsync("secret:1");
            var history = string.Join('\n', config.History!.Select(h => h.CreatedBy));
            StringAssert.Contains(history, "md5sum /run/secrets/token");
            Assert.IsFalse(history.Contains(marker, StringComparison.Ordinal));
            Assert.IsFalse(string.Join('\n', config.Config!.Env ?? []).Contains("TOKEN", StringComparison.Ordinal), "env= does not reach the config");
            Assert.IsFalse(result.StdOut.Contains(marker, StringComparison.Ordinal), "the log never shows the secret");

            // The secret's bytes are not in the cache key: a rotated secret reuses every step (BuildKit does the same).
            File.WriteAllText(secretFile, "rotated");
            var second = await lab.BuildAsync("-t", "secret:1", "--secret", $"id=token,src={secretFile}", "--secret", $"id=fromenv,env={envName}");
            Assert.AreEqual(0, second.ExitCode, second.StdErr + second.StdOut);
            Assert.IsTrue(EngineLab.CacheHits(second.StdOut).Values.All(hit => hit), second.StdOut);
        }
        finally
        {
            Environment.SetEnvironmentVariable(envName, null);
        }
    }

    [TestMethod]
    public async Task Secret_RequiredButMissingIsCodedWithLine()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", """
            FROM busybox:test
            RUN echo before
            RUN --mount=type=secret,id=npmrc,required=true cat /run/secrets/npmrc
            """);
        var result = await lab.BuildAsync("-t", "secret:missing");
        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.StdErr, "CTZ5040");
        StringAssert.Contains(result.StdErr, "Dockerfile:3");
        StringAssert.Contains(result.StdErr, "--secret id=npmrc");

        var missingFile = await lab.BuildAsync("-t", "secret:missing", "--secret", "id=npmrc,src=" + Path.Combine(lab.Temp, "nope"));
        Assert.AreNotEqual(0, missingFile.ExitCode);
        StringAssert.Contains(missingFile.StdErr, "CTZ5043");
        var bad = await lab.BuildAsync("-t", "secret:missing", "--secret", "src=/etc/hostname");
        StringAssert.Contains(bad.StdErr, "CTZ5043");
    }

    [TestMethod]
    public async Task Ssh_AgentSocketIsForwardedAndNotInTheLayer()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var lab = await EngineLab.CreateAsync();
        var socketPath = Path.Combine(lab.Temp, "agent.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        lab.Write("Dockerfile", """
            FROM busybox:test
            RUN --mount=type=ssh test -S "$SSH_AUTH_SOCK" && echo "$SSH_AUTH_SOCK" > /ssh.txt
            RUN --mount=type=ssh,id=other,target=/tmp/other.sock test -S /tmp/other.sock && touch /other-ok
            RUN --mount=type=ssh,id=missing ls /run/buildkit > /missing.txt 2>&1 || echo none > /missing.txt
            """);
        var result = await lab.BuildAsync("-t", "ssh:1", "--ssh", "default=" + socketPath, "--ssh", "other=" + socketPath);
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("ssh:1");
        Assert.AreEqual("/run/buildkit/ssh_agent.0", File.ReadAllText(Path.Combine(rootfs, "ssh.txt")).Trim(), "BuildKit's default target and SSH_AUTH_SOCK");
        Assert.IsTrue(File.Exists(Path.Combine(rootfs, "other-ok")));
        Assert.AreEqual("none", File.ReadAllText(Path.Combine(rootfs, "missing.txt")).Trim(), "an optional agent that was not given is not mounted");
        Assert.IsFalse(Directory.Exists(Path.Combine(rootfs, "run/buildkit")), "the socket's mount point is not in the layer");

        lab.Write("Dockerfile", "FROM busybox:test\nRUN --mount=type=ssh,required=true true\n");
        var missing = await lab.BuildAsync("-t", "ssh:2");
        StringAssert.Contains(missing.StdErr, "CTZ5041");
        StringAssert.Contains(missing.StdErr, "Dockerfile:2");
    }

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private static byte[] ReadMaybeGzip(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b) return bytes;
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
