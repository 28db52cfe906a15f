using Containerize.Core.Context.Git;
using Containerize.Core.Diagnostics;

namespace Containerize.Tests.Context.Git;

/// <summary>
/// <see cref="GitUrl"/>: which context arguments are git URLs (moby's urlutil.IsGitURL and BuildKit's
/// gitutil.ParseGitRef, which buildx uses), the <c>#REF:SUBDIR</c> fragment, and redaction of passwords.
/// </summary>
[TestClass]
public sealed class GitUrlTests
{
    [TestMethod]
    [DataRow("https://github.com/moby/moby.git", "https://github.com/moby/moby.git", null, null)]
    [DataRow("https://github.com/moby/moby.git#v26.1.0", "https://github.com/moby/moby.git", "v26.1.0", null)]
    [DataRow("https://github.com/moby/moby.git#main:docs/api", "https://github.com/moby/moby.git", "main", "docs/api")]
    [DataRow("https://github.com/moby/moby.git#:docs", "https://github.com/moby/moby.git", null, "docs")]
    [DataRow("http://127.0.0.1:8080/repo.git#abc", "http://127.0.0.1:8080/repo.git", "abc", null)]
    [DataRow("git://host.example/repo.git#feature/x", "git://host.example/repo.git", "feature/x", null)]
    [DataRow("git://host.example/repo", "git://host.example/repo", null, null)]
    [DataRow("ssh://git@host.example:2222/repo.git#v1:app", "ssh://git@host.example:2222/repo.git", "v1", "app")]
    [DataRow("git@github.com:moby/moby.git#main:contrib", "git@github.com:moby/moby.git", "main", "contrib")]
    [DataRow("deploy@git.example.org:team/app", "deploy@git.example.org:team/app", null, null)]
    [DataRow("github.com/moby/moby#main", "https://github.com/moby/moby", "main", null)]
    [DataRow("https://host/repo.git?x=1", "https://host/repo.git?x=1", null, null)]
    [DataRow("https://user:pw@host/repo.git#0123456789abcdef0123456789abcdef01234567", "https://user:pw@host/repo.git", "0123456789abcdef0123456789abcdef01234567", null)]
    public void GitUrl_Parse_GitUrls(string value, string remote, string? reference, string? subdir)
    {
        Assert.IsTrue(GitUrl.TryParse(value, out var url), value);
        Assert.AreEqual(remote, url!.Remote);
        Assert.AreEqual(reference, url.Ref);
        Assert.AreEqual(subdir, url.Subdir);
    }

    [TestMethod]
    [DataRow("https://github.com/moby/moby")]          // http(s) without .git: an HTTP context (a tarball), not git
    [DataRow("https://github.com/moby/moby#main")]
    [DataRow("https://host/repo.gitx")]
    [DataRow("https://host/archive.tar.gz")]
    [DataRow("ftp://host/repo.git")]
    [DataRow("docker-image://alpine")]
    [DataRow("oci-layout:///tmp/x:tag")]
    [DataRow("./repo.git")]
    [DataRow("../repo.git")]
    [DataRow("/abs/repo.git")]
    [DataRow("repo.git")]
    [DataRow("C:\\work\\repo")]
    [DataRow("host:path")]                              // no user@: a relative folder name to docker
    [DataRow("")]
    public void GitUrl_NotGitUrls(string value) => Assert.IsFalse(GitUrl.IsGitUrl(value), value);

    [TestMethod]
    public void GitUrl_Commit_IsRecognisedOnlyInFull()
    {
        Assert.IsTrue(GitUrl.Parse("https://h/r.git#" + new string('a', 40)).RefIsCommit);
        Assert.IsTrue(GitUrl.Parse("https://h/r.git#" + new string('b', 64)).RefIsCommit, "SHA-256 repositories");
        Assert.IsFalse(GitUrl.Parse("https://h/r.git#abc1234").RefIsCommit, "an abbreviated id is a name the remote cannot resolve");
        Assert.IsFalse(GitUrl.Parse("https://h/r.git#main").RefIsCommit);
    }

    [TestMethod]
    [DataRow("https://h/r.git#--upload-pack=evil")]
    [DataRow("https://h/r.git#-b")]
    public void GitUrl_RefLikeAnOption_IsCodedError(string value)
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => GitUrl.Parse(value));
        Assert.AreEqual(GitErrors.BadUrl, e.Code);
    }

    [TestMethod]
    public void GitUrl_Redact_HidesPasswordsKeepsUser()
    {
        var url = GitUrl.Parse("https://alice:hunter2-secret@git.example.com/team/app.git#main:src");
        Assert.AreEqual("https://alice:xxxxx@git.example.com/team/app.git#main:src", url.Display);
        Assert.AreEqual(url.Display, url.ToString());
        Assert.IsFalse(url.ToString().Contains("hunter2", StringComparison.Ordinal));
        Assert.AreEqual("fatal: unable to access 'https://alice:xxxxx@h/x.git/': refused", GitUrl.Redact("fatal: unable to access 'https://alice:p%40ss@h/x.git/': refused"));
        Assert.AreEqual("git@github.com:org/repo.git", GitUrl.Redact("git@github.com:org/repo.git"), "no password, nothing to hide");
        Assert.AreEqual("https://token@h/x.git", GitUrl.Redact("https://token@h/x.git"), "a user alone is kept, as Go's url.Redacted");
    }

    [TestMethod]
    public void GitUrl_Redactor_HidesThePasswordAlsoWithoutItsUrl()
    {
        var redact = GitCheckout.Redactor(GitUrl.Parse("https://alice:p%40ssw0rd@h/x.git"));
        Assert.AreEqual("remote said: xxxxx and xxxxx", redact("remote said: p%40ssw0rd and p@ssw0rd"));
    }
}
