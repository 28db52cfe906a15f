using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// `containerize run -p/-P` end to end: busybox's httpd in containers of their own network (runc + slirp4netns), two of
/// one image at once each on its own host port, `port` and `ps` as docker prints them, outbound access, a busy port,
/// the ports freed by stop and rm, and the same as an unprivileged user.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed partial class EnginePortTests
{
    private static EngineLab? s_lab;

    [ClassInitialize]
    public static async Task InitAsync(TestContext _)
    {
        Requirements.Tool("runc");
        Requirements.Tool("setsid");
        Requirements.Tool("slirp4netns");
        Requirements.RequireRoot("runc with namespaces and overlay mounts");
        var lab = await EngineLab.CreateAsync();
        // The page names the container (-e NAME): two containers of one image tell themselves apart.
        lab.Write("Dockerfile", """
            FROM busybox:test
            EXPOSE 8080 9090/udp
            CMD ["sh", "-c", "mkdir -p /www && echo \"hello from ${NAME:-web}\" > /www/index.html && exec httpd -f -p 8080 -h /www"]
            """);
        var build = await lab.BuildAsync("-t", "web:1");
        Assert.AreEqual(0, build.ExitCode, build.StdErr + build.StdOut);
        s_lab = lab;
    }

    /// <summary>A test that failed half-way leaves no container running (nor its slirp4netns) once the lab goes.</summary>
    [ClassCleanup]
    public static async Task CleanupAsync()
    {
        if (s_lab is null) return;
        var manager = new Containerize.Core.Runtime.Containers.ContainerManager(s_lab.RuntimeRoot);
        foreach (var container in manager.List()) await manager.RemoveAsync(container, force: true, CancellationToken.None);
        s_lab.Dispose();
    }

    private static EngineLab Lab => s_lab ?? throw new InvalidOperationException("class not initialized");

    private static Task<CliResult> Cli(params string[] args) =>
        CliRunner.RunAsync(Lab.Context, [args[0], "--runtime-root", Lab.RuntimeRoot, .. args[1..]]);

    private static async Task<string> GetAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await http.GetStringAsync($"http://127.0.0.1:{port}/");
            }
            catch (Exception e) when ((e is HttpRequestException or TaskCanceledException) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static bool CanBind(int port, ProtocolType protocol = ProtocolType.Tcp)
    {
        using var socket = protocol == ProtocolType.Udp
            ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The container's slirp4netns, from the pid file in its folder, while it runs.</summary>
    private static int SlirpPid(string runtimeRoot, string containerId)
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(runtimeRoot, "containers", containerId.Trim(), "slirp4netns.pid")).Trim());
        Assert.IsTrue(IsSlirp(pid), "the container's network process runs");
        return pid;
    }

    private static string[] Sockets()
    {
        var folder = Path.Combine(Path.GetTempPath(), "containerize-net-0");
        return Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
    }

    private static bool IsSlirp(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("slirp4netns", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [TestMethod]
    public async Task TwoContainersOfOneImageWithMinusPAnswerOnTheirOwnPortsUntilRemoved()
    {
        var one = await Cli("run", "--store", Lab.Store, "-d", "-P", "--name", "web-one", "-e", "NAME=one", "web:1");
        Assert.AreEqual(0, one.ExitCode, one.StdErr);
        var two = await Cli("run", "--store", Lab.Store, "-d", "-P", "--name", "web-two", "-e", "NAME=two", "web:1");
        Assert.AreEqual(0, two.ExitCode, two.StdErr);

        // docker port's lines: every EXPOSEd port, tcp and udp, on a host port of its own.
        var ports = new Dictionary<string, (int Tcp, int Udp)>();
        foreach (var name in new[] { "web-one", "web-two" })
        {
            var port = await Cli("port", name);
            Assert.AreEqual(0, port.ExitCode, port.StdErr);
            var m = PortLines().Match(port.StdOut);
            Assert.IsTrue(m.Success, $"docker port's shape: {port.StdOut}");
            ports[name] = (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value));
            var single = await Cli("port", name, "8080");
            Assert.AreEqual($"0.0.0.0:{ports[name].Tcp}\n", single.StdOut);
            Assert.AreEqual($"0.0.0.0:{ports[name].Udp}\n", (await Cli("port", name, "9090/udp")).StdOut);
            var missing = await Cli("port", name, "8080/udp");
            Assert.AreEqual(1, missing.ExitCode);
            StringAssert.Contains(missing.StdErr, $"CTZ5524 No public port '8080/udp' published for {name}");
        }

        Assert.AreNotEqual(ports["web-one"].Tcp, ports["web-two"].Tcp);
        Assert.AreEqual("hello from one\n", await GetAsync(ports["web-one"].Tcp));
        Assert.AreEqual("hello from two\n", await GetAsync(ports["web-two"].Tcp));
        Assert.IsFalse(CanBind(ports["web-one"].Udp, ProtocolType.Udp), "the udp port is held on the host");

        var ps = await Cli("ps");
        var header = ps.StdOut.Split('\n')[0];
        StringAssert.StartsWith(header, "CONTAINER ID   IMAGE   COMMAND");
        StringAssert.Contains(header, "   PORTS   ");
        var row = ps.StdOut.Split('\n').Single(l => l.EndsWith(" web-one", StringComparison.Ordinal));
        StringAssert.Contains(row, $"   0.0.0.0:{ports["web-one"].Tcp}->8080/tcp, 0.0.0.0:{ports["web-one"].Udp}->9090/udp   ");
        int[] slirps = [SlirpPid(Lab.RuntimeRoot, one.StdOut), SlirpPid(Lab.RuntimeRoot, two.StdOut)];

        // stop frees the ports of one; rm -f of the running other frees its own; no network process is left.
        Assert.AreEqual(0, (await Cli("stop", "-t", "1", "web-one")).ExitCode);
        Assert.IsTrue(CanBind(ports["web-one"].Tcp), "stopped: its port is free");
        Assert.IsTrue(CanBind(ports["web-one"].Udp, ProtocolType.Udp));
        Assert.AreEqual("", (await Cli("port", "web-one")).StdOut, "a stopped container publishes nothing");
        Assert.AreEqual("hello from two\n", await GetAsync(ports["web-two"].Tcp), "the other still answers");
        Assert.AreEqual(0, (await Cli("rm", "-f", "web-two")).ExitCode);
        Assert.IsTrue(CanBind(ports["web-two"].Tcp), "removed: its port is free");
        Assert.AreEqual(0, (await Cli("rm", "web-one")).ExitCode);
        Assert.IsFalse(slirps.Any(IsSlirp), "no slirp4netns outlives its container");
    }

    [TestMethod]
    public async Task AFixedPortOnLoopbackAnswersAndABusyOneIsDockersErrorBeforeAnythingRuns()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var busy = ((IPEndPoint)holder.LocalEndpoint).Port;
        var refused = await Cli("run", "--store", Lab.Store, "-d", "--name", "web-busy", "-p", $"{busy}:8080", "web:1");
        Assert.AreEqual(1, refused.ExitCode);
        StringAssert.Contains(refused.StdErr, $"CTZ5522 Bind for 0.0.0.0:{busy} failed: port is already allocated");
        Assert.IsFalse((await Cli("ps", "-a")).StdOut.Contains("web-busy", StringComparison.Ordinal), "nothing was started");
        holder.Stop();

        var free = new TcpListener(IPAddress.Loopback, 0);
        free.Start();
        var port = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        var slirp = 0;
        var run = await Cli("run", "--store", Lab.Store, "-d", "--name", "web-loop", "-p", $"127.0.0.1:{port}:8080", "-e", "NAME=loop", "web:1");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        try
        {
            Assert.AreEqual($"8080/tcp -> 127.0.0.1:{port}\n", (await Cli("port", "web-loop")).StdOut);
            slirp = SlirpPid(Lab.RuntimeRoot, run.StdOut);
            Assert.AreEqual("hello from loop\n", await GetAsync(port));
            // -p publishes only what it names: the image's other EXPOSEd port shows unpublished, as docker ps.
            var row = (await Cli("ps")).StdOut.Split('\n').Single(l => l.EndsWith(" web-loop", StringComparison.Ordinal));
            StringAssert.Contains(row, $"   9090/udp, 127.0.0.1:{port}->8080/tcp   ");
        }
        finally
        {
            await Cli("rm", "-f", "web-loop");
        }

        Assert.IsTrue(CanBind(port));
        Assert.IsFalse(IsSlirp(slirp));
    }

    [TestMethod]
    public async Task AContainerNetworkHasItsOwnAddressAndReachesOutbound()
    {
        // A server on the host's own (non-loopback) address: the container reaches it through slirp4netns.
        var address = NetworkAddresses().FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (address is null) Requirements.Missing("a non-loopback IPv4 address on this machine");
        using var server = new TcpListener(address!, 0);
        server.Start();
        var port = ((IPEndPoint)server.LocalEndpoint).Port;
        var accept = Task.Run(async () =>
        {
            using var client = await server.AcceptTcpClientAsync();
            await client.GetStream().WriteAsync("outbound-ok\n"u8.ToArray());
        });

        var socketsBefore = Sockets();
        var run = await Cli("run", "--store", Lab.Store, "--rm", "--network", "bridge", "web:1", "sh", "-c",
            $"ip -4 addr show tap0 | grep -o 'inet [0-9.]*'; cat /etc/resolv.conf; grep -c \"$(hostname)\" /etc/hosts; nc {address} {port}");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        Assert.AreEqual("inet 10.0.2.100\nnameserver 10.0.2.3\n2\noutbound-ok\n", run.StdOut);
        await accept.WaitAsync(TimeSpan.FromSeconds(30));
        CollectionAssert.AreEquivalent(socketsBefore, Sockets(), "the container's API socket went with it");
        Assert.AreEqual(0, Directory.EnumerateDirectories(Path.Combine(Lab.RuntimeRoot, "containers")).Count(d => !File.Exists(Path.Combine(d, "exit-code")) && !File.Exists(Path.Combine(d, "container.pid"))),
            "the foreground container's folder is gone");
    }

    /// <summary>
    /// Docker here runs without a bridge (no -p); Podman's docker-compatible CLI publishes through slirp4netns as we do:
    /// the same -p values give byte-identical `port` output and the same PORTS column.
    /// </summary>
    [TestMethod]
    public async Task PortAndPsPrintWhatPodmansDockerCompatibleCliPrints()
    {
        var podman = Containerize.Tests.Engines.EngineLab.Podman();
        await Containerize.Tests.Engines.EngineLab.EnsureBusyboxAsync(podman);
        int tcp, udp;
        using (var t = new TcpListener(IPAddress.Loopback, 0))
        using (var u = new UdpClient(0))
        {
            t.Start();
            tcp = ((IPEndPoint)t.LocalEndpoint).Port;
            udp = ((IPEndPoint)u.Client.LocalEndPoint!).Port;
        }

        string[] publish = ["-p", $"127.0.0.1:{tcp}:8080", "-p", $"{udp}:9090/udp"];
        var name = "ctz-ports-" + Guid.NewGuid().ToString("N")[..8];
        string podmanPort, podmanPorts;
        try
        {
            (await podman.RunAsync(["run", "-d", "--network", "slirp4netns", .. publish, "--name", name, Containerize.Tests.Engines.EngineLab.Busybox,
                "busybox", "httpd", "-f", "-p", "8080"])).EnsureSuccess("podman run -d -p");
            podmanPort = (await podman.RunAsync("port", name)).EnsureSuccess("podman port").StdOut;
            podmanPorts = (await podman.RunAsync("ps", "--filter", "name=" + name, "--format", "{{.Ports}}")).EnsureSuccess("podman ps").StdOut.Trim();
        }
        finally
        {
            await podman.RunAsync("rm", "-f", "-t", "0", name);
        }

        // podman's slirp4netns may hold the ports a moment after rm returns: ours publishes the same ones next.
        for (var i = 0; i < 200 && !(CanBind(tcp) && CanBind(udp, ProtocolType.Udp)); i++) await Task.Delay(50);

        var ours = await Cli(["run", "--store", Lab.Store, "-d", .. publish, "--name", name, "web:1"]);
        Assert.AreEqual(0, ours.ExitCode, ours.StdErr);
        try
        {
            Assert.AreEqual(podmanPort, (await Cli("port", name)).StdOut);
            var row = (await Cli("ps")).StdOut.Split('\n').Single(l => l.EndsWith(" " + name, StringComparison.Ordinal));
            StringAssert.Contains(row, "   " + podmanPorts + "   ");
        }
        finally
        {
            await Cli("rm", "-f", name);
        }
    }

    [TestMethod]
    public async Task PublishedPortsWithTheHostNetworkAreDiscardedWithDockersWarning()
    {
        var run = await Cli("run", "--store", Lab.Store, "--rm", "-P", "--network", "host", "web:1", "sh", "-c", "ls /sys/class/net | grep -c eth0 || true");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        StringAssert.Contains(run.StdErr, "warning CTZ5525: Published ports are discarded when using host network mode");
    }

    [TestMethod]
    public async Task AnUnprivilegedUserPublishesPortsToo()
    {
        Requirements.Tool("runuser");
        var tun = Slirp4NetnsTunHint();
        if (tun is not null) Assert.Fail("the lab's setup makes /dev/net/tun usable for every user (as distributions ship it): " + tun);
        using var home = new TempDir("ctz-nobody");
        File.SetUnixFileMode(home.Path, (UnixFileMode)0x1FF);
        // nobody's own store and runtime: a copy of the lab's store, owned by nobody.
        var store = Path.Combine(home.Path, "store");
        (await ProcessRunner.RunAsync("cp", ["-a", Lab.Store, store])).EnsureSuccess("copy the store");
        (await ProcessRunner.RunAsync("chown", ["-R", "65534:65534", home.Path])).EnsureSuccess("chown");
        var cli = typeof(Containerize.Cli.CliApp).Assembly.Location;
        var dotnet = Requirements.FindOnPath("dotnet") ?? "/usr/bin/dotnet";
        Task<ProcessResult> AsNobody(params string[] args) => ProcessRunner.RunAsync(Requirements.Tool("runuser"),
            ["-u", "nobody", "--", "env", $"HOME={home.Path}", $"DOTNET_CLI_HOME={home.Path}", "DOTNET_NOLOGO=1", dotnet, cli, args[0],
             "--runtime-root", Path.Combine(home.Path, "rt"), .. args[1..]], home.Path, timeout: TimeSpan.FromMinutes(2));

        var run = await AsNobody("run", "--store", store, "-d", "-P", "--name", "nobody-web", "-e", "NAME=nobody", "web:1");
        Assert.AreEqual(0, run.ExitCode, run.StdErr + run.StdOut);
        var port = int.Parse(PortLines().Match((await AsNobody("port", "nobody-web")).StdOut).Groups[1].Value);
        Assert.AreEqual("hello from nobody\n", await GetAsync(port));
        var slirp = SlirpPid(Path.Combine(home.Path, "rt"), run.StdOut);
        var owner = File.ReadAllLines($"/proc/{slirp}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        Assert.AreEqual("Uid:\t65534\t65534\t65534\t65534", owner, "slirp4netns runs as the user, not root");

        // A non-root USER needs more ids than a rootless runtime maps: a clear error, not a failed start.
        var asApp = await AsNobody("run", "--store", store, "--rm", "-P", "-u", "1654", "web:1", "id");
        Assert.AreEqual(1, asApp.ExitCode);
        StringAssert.Contains(asApp.StdOut + asApp.StdErr, "CTZ5511");

        Assert.AreEqual(0, (await AsNobody("rm", "-f", "nobody-web")).ExitCode);
        Assert.IsTrue(CanBind(port));
        Assert.IsFalse(IsSlirp(slirp));
    }

    private static string? Slirp4NetnsTunHint()
    {
        var mode = File.GetUnixFileMode("/dev/net/tun");
        return (mode & UnixFileMode.OtherWrite) == 0 ? $"/dev/net/tun is {Convert.ToString((int)mode, 8)}" : null;
    }

    private static IEnumerable<IPAddress> NetworkAddresses() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(a => a.Address);

    [GeneratedRegex(@"^8080/tcp -> 0\.0\.0\.0:(\d+)\n9090/udp -> 0\.0\.0\.0:(\d+)\n$")]
    private static partial Regex PortLines();
}
