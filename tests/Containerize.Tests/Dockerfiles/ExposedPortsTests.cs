using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Stages;

namespace Containerize.Tests.Dockerfiles;

/// <summary>
/// EXPOSE words as Docker 26 wrote them into the image config (each row was built with `docker build` there; the
/// differential tests rebuild a selection against the running engine).
/// </summary>
[TestClass]
public sealed class ExposedPortsTests
{
    [TestMethod]
    [DataRow("9000-9002", "9000/tcp 9001/tcp 9002/tcp")]
    [DataRow("9000-9002/udp", "9000/udp 9001/udp 9002/udp")]
    [DataRow("5000-5000", "5000/tcp")]
    [DataRow("80/TCP", "80/tcp")]
    [DataRow("80/UDP", "80/udp")]
    [DataRow("22/sctp", "22/sctp")]
    [DataRow("080", "80/tcp")]
    [DataRow("0", "0/tcp")]
    [DataRow("65535", "65535/tcp")]
    [DataRow("80/", "80/tcp")]
    [DataRow("80/udp/x", "80/udp")]
    [DataRow("1-2-3", "1/tcp 2/tcp")]
    [DataRow("8080:80", "80/tcp")]
    [DataRow(":80", "80/tcp")]
    [DataRow("127.0.0.1:8080:80", "80/tcp")]
    [DataRow("[::1]:80:80", "80/tcp")]
    [DataRow("1-2:4-5", "4/tcp 5/tcp")]
    [DataRow("8000-8005:80", "80/tcp")]
    public void DockerKeys(string word, string keys) =>
        Assert.AreEqual(keys, string.Join(' ', ExposedPorts.Parse([word])));

    [TestMethod]
    [DataRow("9002-9000", "Invalid containerPort: 9002-9000")]
    [DataRow("abc", "Invalid containerPort: abc")]
    [DataRow("65536", "Invalid containerPort: 65536")]
    [DataRow("1-70000", "Invalid containerPort: 1-70000")]
    [DataRow("-5", "Invalid containerPort: -5")]
    [DataRow("+5", "Invalid containerPort: +5")]
    [DataRow("9000-", "Invalid containerPort: 9000-")]
    [DataRow("9000-9002/xyz", "Invalid proto: xyz")]
    [DataRow("/80", "No port specified: /80<empty>")]
    [DataRow("80:", "No port specified: 80:<empty>")]
    [DataRow("foo:1:2", "Invalid ip address: foo")]
    [DataRow("1-3:4-5", "Invalid ranges specified for container and host Ports: 4-5 and 1-3")]
    [DataRow("5-3:1-3", "Invalid hostPort: 5-3")]
    public void DockerRejects(string word, string message)
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => ExposedPorts.Parse([word]));
        Assert.AreEqual(DockerfileErrors.InvalidExposedPort, e.Code);
        Assert.AreEqual($"EXPOSE {word}: {message}", e.Diagnostic.Message);
        Assert.IsNotNull(e.Diagnostic.Hint);
    }

    [TestMethod]
    public void PlanningRejectsABadPortAtItsLineAfterExpansion()
    {
        var model = DockerfileModel.Parse("FROM scratch\nARG P=9002-9000\nEXPOSE 80 $P\n", "Dockerfile");
        var e = Assert.ThrowsExactly<ContainerizeException>(() => new StagePlanner(new ShellWordExpander(model.EscapeToken)).Plan(model));
        Assert.AreEqual(DockerfileErrors.InvalidExposedPort, e.Code);
        Assert.AreEqual(3, e.Diagnostic.Line);
        Assert.AreEqual("Dockerfile", e.Diagnostic.File);
    }

    [TestMethod]
    public void APortGivenTwiceIsKeptOnce() =>
        Assert.AreEqual("80/tcp 81/tcp", string.Join(' ', ExposedPorts.Parse(["80", "80-81", "81/tcp"])));
}
