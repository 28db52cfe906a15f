using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Tests.Images;

[TestClass]
public sealed class OciModelTests
{
    [TestMethod]
    [DataRow("ubuntu", "docker.io/library/ubuntu", null, "ubuntu")]
    [DataRow("ubuntu:22.04", "docker.io/library/ubuntu", "22.04", "ubuntu")]
    [DataRow("library/ubuntu", "docker.io/library/ubuntu", null, "ubuntu")]
    [DataRow("index.docker.io/foo/bar", "docker.io/foo/bar", null, "foo/bar")]
    [DataRow("localhost/app", "localhost/app", null, "localhost/app")]
    [DataRow("localhost:5000/dotnet/aspnet:10.0", "localhost:5000/dotnet/aspnet", "10.0", "localhost:5000/dotnet/aspnet")]
    [DataRow("mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled", "mcr.microsoft.com/dotnet/runtime-deps", "10.0-noble-chiseled", "mcr.microsoft.com/dotnet/runtime-deps")]
    [DataRow("[::1]:5000/x", "[::1]:5000/x", null, "[::1]:5000/x")]
    [DataRow("a__b/c--d.e", "docker.io/a__b/c--d.e", null, "a__b/c--d.e")]
    public void ReferencesNormaliseAsDocker(string input, string name, string? tag, string familiar)
    {
        var r = ImageReference.Parse(input);
        Assert.AreEqual(name, r.Name);
        Assert.AreEqual(tag, r.Tag);
        Assert.AreEqual(familiar, r.FamiliarName);
    }

    [TestMethod]
    [DataRow("Ubuntu", "must be lowercase")]
    [DataRow("ubuntu:", "invalid reference format")]
    [DataRow("", "at least one component")]
    [DataRow("a/b:tag@sha256:abc", "invalid")]
    [DataRow("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "64-byte hexadecimal")]
    [DataRow("foo/../bar", "invalid reference format")]
    [DataRow("ubuntu:tägs", "invalid reference format")]
    public void InvalidReferencesGiveCodedErrors(string input, string message)
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => ImageReference.Parse(input));
        Assert.AreEqual("CTZ3002", e.Code);
        StringAssert.Contains(e.Diagnostic.Message, message);
    }

    [TestMethod]
    public void DigestReferenceAndDefaultTag()
    {
        var d = Digest.Sha256("x"u8);
        var r = ImageReference.Parse("localhost:5000/app@" + d);
        Assert.AreEqual(d, r.Digest);
        Assert.IsNull(r.Tag);
        Assert.AreEqual(d.ToString(), r.ManifestReference);
        Assert.AreEqual("latest", ImageReference.Parse("app").WithDefaultTag().Tag);
    }

    [TestMethod]
    public void DigestsAreValidated()
    {
        Assert.AreEqual("sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", Digest.Sha256("x"u8).ToString());
        foreach (var bad in new[] { "sha256:ABC", "sha256:" + new string('a', 63), "md5:" + new string('a', 32), "nocolon" })
        {
            var e = Assert.ThrowsExactly<ContainerizeException>(() => Digest.Parse(bad));
            Assert.AreEqual("CTZ3001", e.Code);
        }
    }

    [TestMethod]
    public void JsonIsCanonical()
    {
        var config = new ImageConfiguration
        {
            Architecture = "amd64",
            Os = "linux",
            Config = new ContainerConfig
            {
                Labels = new Dictionary<string, string> { ["z"] = "1", ["a"] = "2", ["B"] = "3" },
                ExposedPorts = new Dictionary<string, EmptyObject> { ["8080/tcp"] = EmptyObject.Instance, ["443/tcp"] = EmptyObject.Instance },
            },
            RootFs = new RootFs { DiffIds = [Digest.Sha256("layer"u8)] },
        };
        var json = Encoding.UTF8.GetString(OciJson.Serialize(config));
        StringAssert.Contains(json, "\"Labels\":{\"B\":\"3\",\"a\":\"2\",\"z\":\"1\"}");
        StringAssert.Contains(json, "\"ExposedPorts\":{\"443/tcp\":{},\"8080/tcp\":{}}");
        Assert.IsFalse(json.Contains("null", StringComparison.Ordinal), json);
        var back = OciJson.DeserializeConfig(Encoding.UTF8.GetBytes(json));
        Assert.AreEqual(json, Encoding.UTF8.GetString(OciJson.Serialize(back)));
    }

    [TestMethod]
    public void JsonWritesMediaTypesAsDockerDoes()
    {
        var manifest = new ImageManifest
        {
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Sha256("c"u8), Size = 1 },
            Layers = [new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Sha256("l"u8), Size = 2 }],
            Annotations = new Dictionary<string, string> { ["k"] = "<a & b> é" },
        };
        var json = Encoding.UTF8.GetString(OciJson.Serialize(manifest));
        StringAssert.Contains(json, "\"application/vnd.oci.image.layer.v1.tar+gzip\"");
        StringAssert.Contains(json, "\"k\":\"<a & b> é\"");
    }

    [TestMethod]
    public void PlatformsParseWithAliases()
    {
        Assert.AreEqual("linux/amd64", Platform.Parse("linux/x86_64").ToString());
        Assert.AreEqual("linux/arm64/v8", Platform.Parse("linux/aarch64").ToString());
        Assert.AreEqual("CTZ3004", Assert.ThrowsExactly<ContainerizeException>(() => Platform.Parse("linux")).Code);
    }
}
