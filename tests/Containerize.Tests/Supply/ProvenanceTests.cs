using System.Text;
using System.Text.Json;
using Containerize.Core.Supply.Provenance;

namespace Containerize.Tests.Supply;

/// <summary>The provenance statement: what it records, and what it never may (secrets, credentials, local paths, times).</summary>
[TestClass]
public sealed class ProvenanceTests
{
    private static ProvenanceInputs Inputs() => new()
    {
        ImageName = "localhost:5000/shop/web",
        ManifestDigest = "sha256:" + new string('a', 64),
        ToolVersion = "0.1.0+abc",
        SdkVersion = "10.0.401",
        Project = "src/Web/Web.csproj",
        RuntimeIdentifier = "linux-x64",
        DockerfileDigest = "sha256:" + new string('d', 64),
        Bases = [new ResolvedBase("mcr.microsoft.com/dotnet/aspnet:10.0", "sha256:" + new string('b', 64))],
        BuildArgs = new Dictionary<string, string>
        {
            ["VERSION"] = "1.4.0",
            ["NUGET_AUTH_TOKEN"] = "ghp_secret-token-value",
            ["DB_PASSWORD"] = "hunter2",
            ["api-key"] = "k-123",
            ["SAS_URL"] = "https://x/?sig=abc",
        },
        RepositoryUrl = "https://user:ghp_pat@github.com/shop/web.git?x=1",
        Revision = "0123456789abcdef",
    };

    [TestMethod]
    public void The_statement_records_the_build_and_never_a_secret_a_credential_or_a_time_it_was_not_given()
    {
        var bytes = ProvenanceWriter.Write(Inputs());
        var text = Encoding.UTF8.GetString(bytes);
        foreach (var secret in new[] { "ghp_secret-token-value", "hunter2", "k-123", "sig=abc", "ghp_pat", "user:" })
        {
            Assert.IsFalse(text.Contains(secret, StringComparison.Ordinal), $"'{secret}' leaked into the statement:\n{text}");
        }

        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        Assert.AreEqual("https://in-toto.io/Statement/v1", root.GetProperty("_type").GetString());
        Assert.AreEqual(new string('a', 64), root.GetProperty("subject")[0].GetProperty("digest").GetProperty("sha256").GetString());
        var definition = root.GetProperty("predicate").GetProperty("buildDefinition");
        var external = definition.GetProperty("externalParameters");
        Assert.AreEqual("1.4.0", external.GetProperty("buildArgs").GetProperty("VERSION").GetString());
        Assert.AreEqual(1, external.GetProperty("buildArgs").EnumerateObject().Count(), "only the argument that is not secret-like");
        Assert.AreEqual("git+https://github.com/shop/web.git", external.GetProperty("source").GetProperty("uri").GetString());
        Assert.AreEqual("src/Web/Web.csproj", external.GetProperty("project").GetString());
        var resolved = definition.GetProperty("resolvedDependencies").EnumerateArray().ToList();
        Assert.AreEqual(new string('b', 64), resolved[0].GetProperty("digest").GetProperty("sha256").GetString());
        Assert.AreEqual("0123456789abcdef", resolved[1].GetProperty("digest").GetProperty("gitCommit").GetString());
        Assert.IsFalse(root.GetProperty("predicate").GetProperty("runDetails").TryGetProperty("metadata", out _), "no time without ContainerSourceDateEpoch");
        CollectionAssert.AreEqual(bytes, ProvenanceWriter.Write(Inputs()), "the same build, the same bytes");

        var dated = JsonDocument.Parse(ProvenanceWriter.Write(Inputs() with { BuildDate = DateTimeOffset.FromUnixTimeSeconds(86400) }));
        Assert.AreEqual("1970-01-02T00:00:00Z", dated.RootElement.GetProperty("predicate").GetProperty("runDetails").GetProperty("metadata").GetProperty("finishedOn").GetString());
    }

    [TestMethod]
    [DataRow("https://github.com/a/b.git", "https://github.com/a/b.git")]
    [DataRow("https://u:p@host/a.git", "https://host/a.git")]
    [DataRow("ssh://git@host/a.git", "ssh://host/a.git")]
    [DataRow("/home/me/src/app", null)]
    [DataRow("file:///home/me/src/app", null)]
    [DataRow("C:\\src\\app", null)]
    [DataRow("", null)]
    public void A_repository_url_is_published_only_without_credentials_and_never_as_a_local_path(string url, string? expected) =>
        Assert.AreEqual(expected, SecretNames.PublicUrl(url));
}
