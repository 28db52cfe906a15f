using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime;
using Containerize.Core.Runtime.Bundles;
using Containerize.Core.Runtime.Containers;
using Containerize.Core.Runtime.Network;
using Containerize.Core.Runtime.Users;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Runtime;

/// <summary>
/// `run -p`/`-P` without a container: what docker reads from -p (nat.ParsePortSpecs), how ports are placed on the host,
/// the PORTS column and `port` lines as docker/cli prints them, the bundle of a bridge container and its runc hook.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class PortPublishingTests
{
    private static string Show(IEnumerable<PortBinding> bindings) =>
        string.Join(" ", bindings.Select(b => $"{b.HostIp}:{b.HostPort}{(b.HostPortEnd > 0 ? "-" + b.HostPortEnd : "")}->{b.ContainerKey}"));

    [TestMethod]
    public void PublishSpecsReadAsDockerReadsThem()
    {
        Assert.AreEqual("0.0.0.0:0->8080/tcp", Show(PortRequests.Parse(["8080"], false, [])));
        Assert.AreEqual("0.0.0.0:80->8080/tcp", Show(PortRequests.Parse(["80:8080"], false, [])));
        Assert.AreEqual("127.0.0.1:0->80/tcp", Show(PortRequests.Parse(["127.0.0.1::80"], false, [])));
        Assert.AreEqual("127.0.0.1:5353->53/udp", Show(PortRequests.Parse(["127.0.0.1:5353:53/udp"], false, [])));
        Assert.AreEqual("0.0.0.0:9000->9000/udp 0.0.0.0:9001->9001/udp 0.0.0.0:9002->9002/udp",
            Show(PortRequests.Parse(["9000-9002:9000-9002/udp"], false, [])));
        // A host range for one container port: one port of the range; a container range alone: any free ports.
        Assert.AreEqual("0.0.0.0:8000-8010->80/tcp", Show(PortRequests.Parse(["8000-8010:80"], false, [])));
        Assert.AreEqual("0.0.0.0:0->7000/tcp 0.0.0.0:0->7001/tcp", Show(PortRequests.Parse(["7000-7001"], false, [])));
        Assert.AreEqual("0.0.0.0:0->80/tcp", Show(PortRequests.Parse(["80/TCP"], false, [])));
    }

    [TestMethod]
    public void PublishAllAddsEachExposedTcpOrUdpPortThatMinusPLeftOut()
    {
        var ports = PortRequests.Parse(["18080:8080"], true, ["8080/tcp", "9090/udp", "7000/sctp", "8443/tcp"]);
        Assert.AreEqual("0.0.0.0:18080->8080/tcp 0.0.0.0:0->9090/udp 0.0.0.0:0->8443/tcp", Show(ports));
        Assert.AreEqual("", Show(PortRequests.Parse([], false, ["8080/tcp"])), "without -P nothing exposed is published");

        // A key without a protocol is tcp; keys that are no port (a hostile or odd base's config) are left out.
        Assert.AreEqual("0.0.0.0:0->8080/tcp 0.0.0.0:0->65535/tcp 0.0.0.0:0->1/udp",
            Show(PortRequests.Parse([], true, ["8080", "bad/tcp", "0/tcp", "70000/tcp", "65535/tcp", "1/udp", "-5/tcp"])));
        // Each exposed port that one of several -p already publishes is not published again.
        Assert.AreEqual("0.0.0.0:18080->8080/tcp 0.0.0.0:19090->9090/tcp 0.0.0.0:0->8080/udp",
            Show(PortRequests.Parse(["18080:8080", "19090:9090"], true, ["8080/tcp", "8080/udp", "9090/tcp"])));
    }

    [TestMethod]
    [DataRow("80000", "Invalid containerPort: 80000")]
    [DataRow("x:8080", "Invalid hostPort: x")]
    [DataRow("1.2.3:80:80", "Invalid ip address: 1.2.3")]
    [DataRow("8000-8001:80-82", "Invalid ranges specified for container and host Ports: 80-82 and 8000-8001")]
    [DataRow("80/icmp", "Invalid proto: icmp")]
    [DataRow("80/sctp", "sctp ports cannot be published")]
    [DataRow("[::1]:80:80", "the IPv6 host address ::1 cannot be published on")]
    [DataRow("0", "the container port cannot be 0")]
    public void BadPublishSpecsAreCodedWithDockersReason(string spec, string reason)
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => PortRequests.Parse([spec], false, []));
        Assert.AreEqual(RuntimeErrors.InvalidPortSpec, e.Code);
        StringAssert.Contains(e.Diagnostic.Message, $"invalid -p '{spec}': {reason}");
        StringAssert.Contains(e.Diagnostic.Hint, "-p [IP:][HOST_PORT:]CONTAINER_PORT");
    }

    [TestMethod]
    public void PortsArePlacedOnFreeHostPortsAndABusyOneIsDockersError()
    {
        using var busy = new TcpListener(IPAddress.Any, 0);
        busy.Start();
        var taken = ((IPEndPoint)busy.LocalEndpoint).Port;

        var e = Assert.ThrowsExactly<ContainerizeException>(() => PortAllocator.Allocate([new PortBinding("0.0.0.0", taken, 80, "tcp")]));
        Assert.AreEqual(RuntimeErrors.PortAllocated, e.Code);
        Assert.AreEqual($"Bind for 0.0.0.0:{taken} failed: port is already allocated", e.Diagnostic.Message);
        StringAssert.Contains(e.Diagnostic.Hint, "-p CONTAINER_PORT for any free one");

        // The same number in udp is another port.
        Assert.AreEqual(taken, PortAllocator.Allocate([new PortBinding("0.0.0.0", taken, 80, "udp")])[0].HostPort);

        // Any free port: distinct for two requests, and bindable.
        var placed = PortAllocator.Allocate([new PortBinding("0.0.0.0", 0, 80, "tcp"), new PortBinding("0.0.0.0", 0, 81, "tcp")]);
        Assert.AreNotEqual(placed[0].HostPort, placed[1].HostPort);
        foreach (var p in placed)
        {
            Assert.IsTrue(p.HostPort is > 0 and <= 65535);
            using var check = new TcpListener(IPAddress.Any, p.HostPort);
            check.Start();
        }

        // A host range: its first free port; two requests of one run never get the same port.
        var range = PortAllocator.Allocate([new PortBinding("0.0.0.0", taken, 80, "tcp") { HostPortEnd = taken + 1 }]);
        Assert.AreEqual(taken + 1, range[0].HostPort);
        Assert.AreEqual(0, range[0].HostPortEnd);
        var twice = Assert.ThrowsExactly<ContainerizeException>(() =>
            PortAllocator.Allocate([new PortBinding("0.0.0.0", taken + 1, 80, "tcp"), new PortBinding("0.0.0.0", taken + 1, 81, "tcp")]));
        Assert.AreEqual($"Bind for 0.0.0.0:{taken + 1} failed: port is already allocated", twice.Diagnostic.Message);
        var rangeBusy = Assert.ThrowsExactly<ContainerizeException>(() => PortAllocator.Allocate([new PortBinding("0.0.0.0", taken, 80, "tcp") { HostPortEnd = taken }]));
        StringAssert.Contains(rangeBusy.Diagnostic.Message, $"0.0.0.0:{taken} failed");

        // Ports the caller already holds (placed earlier in the run) are skipped, and a whole range of them is the
        // range's error.
        using var probe = new TcpListener(IPAddress.Any, 0);
        probe.Start();
        var free = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var held = new HashSet<(string, int, string)> { ("0.0.0.0", free, "tcp") };
        Assert.AreEqual(free + 1, PortAllocator.Allocate([new PortBinding("0.0.0.0", free, 80, "tcp") { HostPortEnd = free + 1 }], held)[0].HostPort);
        held.Add(("0.0.0.0", free + 1, "tcp"));
        var all = Assert.ThrowsExactly<ContainerizeException>(() => PortAllocator.Allocate([new PortBinding("0.0.0.0", free, 80, "tcp") { HostPortEnd = free + 1 }], held));
        Assert.AreEqual($"Bind for 0.0.0.0:{free}-{free + 1} failed: port is already allocated", all.Diagnostic.Message);
    }

    /// <summary>slirp4netns's API answers, the hostile one included: a refusal to bind, an error, and what is not JSON.</summary>
    [TestMethod]
    public async Task Slirp4netnsApiAnswersAreReadAsTheyMean()
    {
        using var temp = new TempDir();
        var folder = temp.Combine(new string('c', 64));
        Directory.CreateDirectory(folder);
        var binding = new PortBinding("0.0.0.0", 40000, 8080, "tcp");
        async Task<string> Serve(string answer, Func<Task> call)
        {
            var path = Slirp4Netns.SocketPath(folder);
            File.Delete(path);
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            var server = Task.Run(async () =>
            {
                using var peer = await listener.AcceptAsync();
                var request = new byte[4096];
                var read = await peer.ReceiveAsync(request, SocketFlags.None);
                await peer.SendAsync(System.Text.Encoding.UTF8.GetBytes(answer), SocketFlags.None);
                peer.Shutdown(SocketShutdown.Both);
                return System.Text.Encoding.UTF8.GetString(request, 0, read);
            });
            await call();
            return await server;
        }

        var ok = false;
        var request = await Serve("""{"return":{"id":1}}""", async () => ok = await Slirp4Netns.AddForwardAsync(folder, binding, CancellationToken.None));
        Assert.IsTrue(ok);
        Assert.AreEqual("""{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"0.0.0.0","host_port":40000,"guest_addr":"10.0.2.100","guest_port":8080}}""", request);

        await Serve("""{"error":{"desc":"bad request: add_hostfwd: slirp_add_hostfwd failed"}}""", async () => ok = await Slirp4Netns.AddForwardAsync(folder, binding, CancellationToken.None));
        Assert.IsFalse(ok, "the host port could not be bound: the caller places it again or reports it allocated");

        foreach (var answer in new[] { """{"error":{"desc":"bad request: add_hostfwd: bad arguments.host_addr"}}""", "garbage \u0000", "" })
        {
            ContainerizeException? e = null;
            await Serve(answer, async () => e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => Slirp4Netns.AddForwardAsync(folder, binding, CancellationToken.None)));
            Assert.AreEqual(RuntimeErrors.NetworkSetupFailed, e!.Code, answer);
        }

        Slirp4Netns.Stop(folder);
        Assert.IsFalse(File.Exists(Slirp4Netns.SocketPath(folder)), "stop removes the API socket");
    }

    /// <summary>docker/cli's own cases for DisplayablePorts (formatter tests), through our published/exposed model.</summary>
    [TestMethod]
    public void PortsColumnGroupsAsDockerPs()
    {
        Assert.AreEqual("9988/tcp", PortDisplay.Column([], ["9988/tcp"]));
        Assert.AreEqual("9988/udp", PortDisplay.Column([], ["9988/udp"]));
        Assert.AreEqual("4.3.2.1:8899->9988/tcp", PortDisplay.Column([new("4.3.2.1", 8899, 9988, "tcp")], []));
        Assert.AreEqual("4.3.2.1:9988->9988/tcp", PortDisplay.Column([new("4.3.2.1", 9988, 9988, "tcp")], []));
        Assert.AreEqual("9998-9999/udp", PortDisplay.Column([], ["9999/udp", "9998/udp"]));
        Assert.AreEqual("1.2.3.4:9998-9999->9998-9999/udp", PortDisplay.Column([new("1.2.3.4", 9999, 9999, "udp"), new("1.2.3.4", 9998, 9998, "udp")], []));
        Assert.AreEqual("1.2.3.4:8887->9998/udp, 1.2.3.4:8888->9999/udp", PortDisplay.Column([new("1.2.3.4", 8887, 9998, "udp"), new("1.2.3.4", 8888, 9999, "udp")], []));
        Assert.AreEqual("1.2.3.4:9998->9998/tcp, 1.2.3.4:9999->9999/udp", PortDisplay.Column([new("1.2.3.4", 9999, 9999, "udp"), new("1.2.3.4", 9998, 9998, "tcp")], []));
        Assert.AreEqual("80/tcp, 443/tcp", PortDisplay.Column([], ["80/tcp", "443/tcp"]), "not consecutive: two groups of one key, the first closed");
        Assert.AreEqual("80-81/tcp, 83/tcp", PortDisplay.Column([], ["83/tcp", "81/tcp", "80/tcp"]), "a closed group keeps its range");
        Assert.AreEqual("9998-10000/udp", PortDisplay.Column([], ["10000/udp", "9998/udp", "9999/udp"]), "a range grows from its last port");
        Assert.AreEqual("8080/tcp", PortDisplay.Column([], ["8080", "x/tcp"]), "a key without protocol is tcp; no port, no entry");
        Assert.AreEqual("0.0.0.0:8080->8080/tcp, 1.2.3.4:8080->8080/tcp", PortDisplay.Column([new("1.2.3.4", 8080, 8080, "tcp"), new("0.0.0.0", 8080, 8080, "tcp")], []));
        Assert.AreEqual("0.0.0.0:9000->80/tcp, 0.0.0.0:9001->80/tcp", PortDisplay.Column([new("0.0.0.0", 9001, 80, "tcp"), new("0.0.0.0", 9000, 80, "tcp")], []),
            "one port on two host ports: by host port");
        Assert.AreEqual("0.0.0.0:80-81->80-81/tcp, 9090/udp, 0.0.0.0:32768->8080/tcp",
            PortDisplay.Column([new("0.0.0.0", 32768, 8080, "tcp"), new("0.0.0.0", 80, 80, "tcp"), new("0.0.0.0", 81, 81, "tcp")], ["8080/tcp", "9090/udp"]),
            "an exposed port that is published shows once, as published; mappings to another number come last");
    }

    [TestMethod]
    public void PortLinesAreDockerPorts()
    {
        IReadOnlyList<PortBinding> ports = [new("0.0.0.0", 40001, 9090, "udp"), new("127.0.0.1", 40000, 8080, "tcp"), new("0.0.0.0", 40002, 80, "tcp")];
        CollectionAssert.AreEqual(new[] { "80/tcp -> 0.0.0.0:40002", "8080/tcp -> 127.0.0.1:40000", "9090/udp -> 0.0.0.0:40001" }, PortDisplay.Lines(ports).ToArray());
        CollectionAssert.AreEqual(new[] { "127.0.0.1:40000" }, PortDisplay.For(ports, "8080").ToArray(), "no protocol is tcp");
        CollectionAssert.AreEqual(new[] { "0.0.0.0:40001" }, PortDisplay.For(ports, "9090/udp").ToArray());
        Assert.AreEqual(0, PortDisplay.For(ports, "9090").Count);
        Assert.AreEqual("[::1]:80", new PortBinding("::1", 80, 80, "tcp").HostEndpoint);
        // One port: tcp before udp, then by address, then by host port (docker's natural sort of the lines).
        IReadOnlyList<PortBinding> same = [new("127.0.0.1", 5, 53, "udp"), new("127.0.0.1", 4, 53, "tcp"), new("0.0.0.0", 3, 53, "tcp"), new("0.0.0.0", 2, 53, "tcp")];
        CollectionAssert.AreEqual(new[] { "53/tcp -> 0.0.0.0:2", "53/tcp -> 0.0.0.0:3", "53/tcp -> 127.0.0.1:4", "53/udp -> 127.0.0.1:5" }, PortDisplay.Lines(same).ToArray());
    }

    [TestMethod]
    public async Task ContainerRecordKeepsItsNetworkAndPorts()
    {
        using var temp = new TempDir();
        var info = new ContainerInfo(new string('a', 64), "web", "web:1", "httpd", DateTimeOffset.UnixEpoch)
        {
            Network = "bridge",
            Ports = [new("0.0.0.0", 40000, 8080, "tcp"), new("127.0.0.1", 40001, 53, "udp")],
            ExposedPorts = ["8080/tcp", "9090/udp"],
        };
        await info.WriteAsync(temp.Path, CancellationToken.None);
        var read = ContainerInfo.Read(temp.Path)!;
        Assert.AreEqual("bridge", read.Network);
        CollectionAssert.AreEqual(info.Ports.ToArray(), read.Ports.ToArray());
        CollectionAssert.AreEqual(new[] { "8080/tcp", "9090/udp" }, read.ExposedPorts.ToArray());

        // A record written before ports existed reads as the host's network, with none.
        File.WriteAllText(Path.Combine(temp.Path, ContainerInfo.FileName),
            $$"""{"Id":"{{new string('b', 64)}}","Name":"old","Image":"x","Command":"c","Created":"2026-01-01T00:00:00+00:00"}""");
        var old = ContainerInfo.Read(temp.Path)!;
        Assert.AreEqual("host", old.Network);
        Assert.AreEqual(0, old.Ports.Count);
        Assert.AreEqual(0, old.ExposedPorts.Count);
    }

    [TestMethod]
    public void ABridgeBundleHasItsOwnNetworkNamespaceAndTheHook()
    {
        using var temp = new TempDir();
        var config = new BundleConfig
        {
            RootfsPath = "/r",
            Args = ["true"],
            Env = [],
            Cwd = "/",
            User = new ExecUser(0, 0, []),
            Network = NetworkMode.Bridge,
            CreateRuntimeHooks = [new OciHook("/bin/sh", ["sh", "/x/hook.sh", "/x"], 100)],
        };
        using var doc = JsonDocument.Parse(RuntimeSpecBuilder.Build(config));
        var namespaces = doc.RootElement.GetProperty("linux").GetProperty("namespaces").EnumerateArray().Select(n => n.GetProperty("type").GetString()).ToList();
        CollectionAssert.Contains(namespaces, "network");
        var hook = doc.RootElement.GetProperty("hooks").GetProperty("createRuntime")[0];
        Assert.AreEqual("/bin/sh", hook.GetProperty("path").GetString());
        CollectionAssert.AreEqual(new[] { "sh", "/x/hook.sh", "/x" }, hook.GetProperty("args").EnumerateArray().Select(a => a.GetString()).ToArray());
        Assert.AreEqual(100, hook.GetProperty("timeout").GetInt32());

        using var host = JsonDocument.Parse(RuntimeSpecBuilder.Build(config with { Network = NetworkMode.Host, CreateRuntimeHooks = [] }));
        Assert.IsFalse(host.RootElement.GetProperty("linux").GetProperty("namespaces").EnumerateArray().Any(n => n.GetProperty("type").GetString() == "network"));
        Assert.IsFalse(host.RootElement.TryGetProperty("hooks", out _), "no hooks unless asked");
    }

    /// <summary>The hook as runc runs it: the state JSON on stdin, the pid handed over, the start held until we answer.</summary>
    [TestMethod]
    public async Task TheHookHandsOverThePidAndWaitsForTheAnswer()
    {
        using var temp = new TempDir();
        var hook = ContainerNetwork.WriteHook(temp.Path);
        var state = """{"ociVersion":"1.0.2","id":"x","status":"creating","pid": 4242,"bundle":"/b"}""";

        var held = ProcessRunner.RunAsync(hook.Path, [.. hook.Args.Skip(1)], temp.Path, stdin: state, timeout: TimeSpan.FromSeconds(30));
        var pidFile = Path.Combine(temp.Path, "network.pid");
        for (var i = 0; i < 500 && !File.Exists(pidFile); i++) await Task.Delay(10);
        Assert.AreEqual("4242", File.ReadAllText(pidFile).Trim());
        await Task.Delay(200);
        Assert.IsFalse(held.IsCompleted, "the hook holds the start until the network is up");
        File.WriteAllText(Path.Combine(temp.Path, "network.ready"), "ok");
        Assert.AreEqual(0, (await held).ExitCode);

        // A refusal (the set-up failed) makes runc stop the container.
        ContainerNetwork.WriteHook(temp.Path);
        var refused = ProcessRunner.RunAsync(hook.Path, [.. hook.Args.Skip(1)], temp.Path, stdin: state, timeout: TimeSpan.FromSeconds(30));
        for (var i = 0; i < 500 && !File.Exists(pidFile); i++) await Task.Delay(10);
        File.WriteAllText(Path.Combine(temp.Path, "network.ready"), "refused");
        Assert.AreEqual(1, (await refused).ExitCode);

        var garbage = await ProcessRunner.RunAsync(hook.Path, [.. hook.Args.Skip(1)], temp.Path, stdin: "{}", timeout: TimeSpan.FromSeconds(30));
        Assert.AreEqual(1, garbage.ExitCode);
        StringAssert.Contains(garbage.StdErr, "no pid in the container state");
    }
}
