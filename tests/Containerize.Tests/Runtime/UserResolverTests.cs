using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime;
using Containerize.Core.Runtime.Users;

namespace Containerize.Tests.Runtime;

[TestClass]
public sealed class UserResolverTests
{
    private const string Passwd = "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1654:1654::/home/app:/bin/sh\nweb:x:33:33::/var/www:/usr/sbin/nologin\n";
    private const string Group = "root:x:0:\napp:x:1654:\nstaff:x:50:app,web\nwww-data:x:33:\naudio:x:29: app \n";

    [TestMethod]
    [DataRow("", 0u, 0u, "")]
    [DataRow("root", 0u, 0u, "")]
    [DataRow("app", 1654u, 1654u, "50,29")]
    [DataRow("1654", 1654u, 1654u, "50,29")]
    [DataRow("web", 33u, 33u, "50")]
    [DataRow("app:staff", 1654u, 50u, "")]
    [DataRow("app:33", 1654u, 33u, "")]
    [DataRow("4321", 4321u, 0u, "")]
    [DataRow("4321:4321", 4321u, 4321u, "")]
    [DataRow(":staff", 0u, 50u, "")]
    public void Resolve_AsDockerDoes(string user, uint uid, uint gid, string additional)
    {
        var resolved = UserResolver.Resolve(user, Passwd, Group);
        Assert.AreEqual((uid, gid), (resolved.Uid, resolved.Gid));
        Assert.AreEqual(additional, string.Join(",", resolved.AdditionalGids));
    }

    [TestMethod]
    public void Resolve_UnknownNameIsCoded()
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => UserResolver.Resolve("ghost", Passwd, Group));
        Assert.AreEqual(RuntimeErrors.UnknownUser, e.Code);
        StringAssert.Contains(e.Message, "ghost");
    }

    [TestMethod]
    public void Resolve_UnknownGroupIsCoded()
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => UserResolver.Resolve("app:ghosts", Passwd, Group));
        Assert.AreEqual(RuntimeErrors.UnknownGroup, e.Code);
    }

    [TestMethod]
    public void Resolve_WithoutPasswd_NamesFailAndNumbersWork()
    {
        Assert.AreEqual(RuntimeErrors.UnknownUser, Assert.ThrowsExactly<ContainerizeException>(() => UserResolver.Resolve("app", null, null)).Code);
        Assert.AreEqual(new ExecUser(1000, 1000, []).ToString(), UserResolver.Resolve("1000:1000", null, null).ToString());
    }
}
