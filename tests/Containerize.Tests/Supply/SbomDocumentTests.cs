using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Supply;
using Containerize.Core.Supply.Referrers;
using Containerize.Core.Supply.Sbom;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Supply;

/// <summary>
/// The SBOM from its parts, without MSBuild: the restore graph NuGet writes, the package databases of an image's
/// layers, and the two documents, checked against the specifications' schemas by an independent validator.
/// </summary>
[TestClass]
public sealed class SbomDocumentTests
{
    private static readonly string FileSha = Convert.ToBase64String(System.Security.Cryptography.SHA512.HashData("the nupkg file"u8));

    private const string Sha = "Xz0hBp6/lP1nAp5IF0zzT0y2SjMJp2kC0Lw6iC0aS0kDpYkq0NFqPfRFL/7qz4M4SoP5QYJyhKtHTo2yTK1xNw==";

    internal static string WriteAssets(string dir, string projectPath, string? rid = "linux-x64", string extraDependencies = "")
    {
        var target = rid is null ? "net10.0" : "net10.0/" + rid;
        var json = $$"""
        {
          "version": 3,
          "targets": {
            {{(rid is null ? "" : "\"net10.0\": {},")}}
            "{{target}}": {
              "Humanizer.Core/2.14.1": { "type": "package", "runtime": { "lib/net6.0/Humanizer.dll": {} } },
              "Lib/1.0.0": { "type": "project", "dependencies": { "Newtonsoft.Json": "13.0.3" } },
              "Newtonsoft.Json/13.0.3": { "type": "package" },
              "Microsoft.SourceLink.GitHub/8.0.0": { "type": "package", "dependencies": { "Microsoft.SourceLink.Common": "8.0.0" } },
              "Microsoft.SourceLink.Common/8.0.0": { "type": "package" }{{extraDependencies}}
            }
          },
          "libraries": {
            "Humanizer.Core/2.14.1": { "sha512": "{{Sha}}", "type": "package", "path": "humanizer.core/2.14.1" },
            "Newtonsoft.Json/13.0.3": { "sha512": "{{Sha}}", "type": "package", "path": "newtonsoft.json/13.0.3" },
            "Microsoft.SourceLink.GitHub/8.0.0": { "sha512": "{{Sha}}", "type": "package", "path": "microsoft.sourcelink.github/8.0.0" },
            "Microsoft.SourceLink.Common/8.0.0": { "sha512": "{{Sha}}", "type": "package", "path": "microsoft.sourcelink.common/8.0.0" },
            "Lib/1.0.0": { "type": "project", "path": "../Lib/Lib.csproj", "msbuildProject": "../Lib/Lib.csproj" }
          },
          "packageFolders": { "{{JsonEncodedText.Encode(Path.Combine(dir, "packages") + "/")}}": {} },
          "project": {
            "version": "1.0.0",
            "restore": {
              "projectName": "App",
              "projectPath": "{{JsonEncodedText.Encode(projectPath)}}",
              "frameworks": { "net10.0": { "targetAlias": "net10.0", "projectReferences": { "../Lib/Lib.csproj": { "projectPath": "../Lib/Lib.csproj" } } } }
            },
            "frameworks": {
              "net10.0": {
                "targetAlias": "net10.0",
                "dependencies": {
                  "Humanizer.Core": { "target": "Package", "version": "[2.14.1, )" },
                  "Microsoft.SourceLink.GitHub": { "suppressParent": "All", "target": "Package", "version": "[8.0.0, )" }
                }
              }
            }
          }
        }
        """;
        var path = Path.Combine(dir, "project.assets.json");
        File.WriteAllText(path, json);
        var nuspec = Directory.CreateDirectory(Path.Combine(dir, "packages", "humanizer.core", "2.14.1")).FullName;
        File.WriteAllText(Path.Combine(nuspec, "humanizer.core.nuspec"),
            """<?xml version="1.0"?><package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata><id>Humanizer.Core</id><license type="expression">MIT</license><licenseUrl>https://licenses.nuget.org/MIT</licenseUrl></metadata></package>""");
        // The .nupkg file's hash, as NuGet records it beside the package (the assets file has the content hash).
        File.WriteAllText(Path.Combine(nuspec, "humanizer.core.2.14.1.nupkg.sha512"), FileSha);
        var old = Directory.CreateDirectory(Path.Combine(dir, "packages", "newtonsoft.json", "13.0.3")).FullName;
        File.WriteAllText(Path.Combine(old, "newtonsoft.json.nuspec"),
            """<?xml version="1.0"?><package><metadata><id>Newtonsoft.Json</id><licenseUrl>https://example.org/license.md</licenseUrl></metadata></package>""");
        return path;
    }

    [TestMethod]
    public async Task The_restore_graph_gives_each_package_with_its_hash_and_whether_the_app_chose_it()
    {
        using var dir = new TempDir("ctz-assets");
        var project = Path.Combine(dir.Path, "App.csproj");
        var assets = WriteAssets(dir.Path, project);
        var graph = await ProjectAssets.ReadAsync(assets, project, "net10.0", "linux-x64", CancellationToken.None);
        Assert.AreEqual("net10.0/linux-x64", graph.TargetKey);
        var byName = graph.Libraries.ToDictionary(l => l.Name);
        Assert.IsTrue(byName["Humanizer.Core"].Direct);
        Assert.IsFalse(byName["Newtonsoft.Json"].Direct, "a project reference's package is transitive");
        Assert.IsTrue(byName["Lib"].IsProject && byName["Lib"].Direct, "the project reference is direct");
        Assert.IsTrue(byName["Microsoft.SourceLink.GitHub"].DevelopmentOnly, "PrivateAssets=all");
        CollectionAssert.AreEqual(new[] { "Newtonsoft.Json" }, byName["Lib"].Dependencies.ToList());

        // The SBOM keeps what the app ships: SourceLink (a build tool) and its dependency are not in it.
        var shipped = SbomBuilder.Shipped(graph.Libraries, _ => null).Select(l => l.Name).Order().ToList();
        CollectionAssert.AreEqual(new[] { "Humanizer.Core", "Lib", "Newtonsoft.Json" }, shipped);
    }

    [TestMethod]
    public async Task A_missing_foreign_or_broken_restore_graph_is_a_coded_error()
    {
        using var dir = new TempDir("ctz-assets");
        var project = Path.Combine(dir.Path, "App.csproj");
        var missing = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ProjectAssets.ReadAsync(Path.Combine(dir.Path, "none.json"), project, "net10.0", null, CancellationToken.None));
        Assert.AreEqual(SupplyErrors.AssetsMissing, missing.Code);

        var assets = WriteAssets(dir.Path, Path.Combine(dir.Path, "Other.csproj"));
        var foreign = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ProjectAssets.ReadAsync(assets, project, "net10.0", "linux-x64", CancellationToken.None));
        Assert.AreEqual(SupplyErrors.AssetsForeign, foreign.Code);
        StringAssert.Contains(foreign.Diagnostic.Message, "Other.csproj");

        WriteAssets(dir.Path, project);
        var otherRid = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ProjectAssets.ReadAsync(assets, project, "net10.0", "linux-arm64", CancellationToken.None));
        Assert.AreEqual(SupplyErrors.AssetsForeign, otherRid.Code, "restored for linux-x64, published for linux-arm64");

        foreach (var broken in new[] { "{", "[]", "{\"targets\": 1, \"libraries\": {}}", "{\"targets\": {\"net10.0\": {\"x\": {}}}, \"libraries\": {}, \"project\": {\"restore\": {\"projectPath\": " + JsonSerializer.Serialize(project) + "}}}" })
        {
            File.WriteAllText(assets, broken);
            var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ProjectAssets.ReadAsync(assets, project, "net10.0", null, CancellationToken.None), broken);
            Assert.AreEqual(SupplyErrors.AssetsMalformed, e.Code, broken);
        }
    }

    [TestMethod]
    public void Dpkg_apk_and_os_release_are_read_as_their_tools_write_them()
    {
        var dpkg = OsPackageDatabase.ParseDpkg("""
            Package: libc6
            Status: install ok installed
            Architecture: amd64
            Source: glibc (2.36-9)
            Version: 2.36-9+deb12u4
            Description: GNU C Library
             continuation line: Package: not-a-package

            Package: removed
            Status: deinstall ok config-files
            Version: 1.0

            Package: tzdata
            Status: install ok installed
            Architecture: all
            Version: 2024a-0+deb12u1
            """).ToList();
        Assert.AreEqual(2, dpkg.Count, "a removed package with config files left is not installed");
        Assert.AreEqual(("libc6", "2.36-9+deb12u4", "amd64", "glibc"), (dpkg[0].Name, dpkg[0].Version, dpkg[0].Architecture, dpkg[0].Source));

        var distroless = OsPackageDatabase.ParseDpkg("Package: base-files\nVersion: 12.4\nArchitecture: amd64\n", requireInstalledStatus: false).Single();
        Assert.AreEqual("base-files", distroless.Name);

        var apk = OsPackageDatabase.ParseApk("C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\no:musl\n\nP:busybox\nV:1.36.1-r29\nA:x86_64\nL:GPL-2.0-only\n").ToList();
        Assert.AreEqual(2, apk.Count);
        Assert.AreEqual(("musl", "1.2.5-r0", "MIT"), (apk[0].Name, apk[0].Version, apk[0].License));

        var os = OsPackageDatabase.ParseOsRelease("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n");
        Assert.AreEqual(new OsRelease("debian", "12", "Debian GNU/Linux 12 (bookworm)"), os);
        Assert.IsNull(OsPackageDatabase.ParseOsRelease("garbage"));
    }

    [TestMethod]
    public async Task Layers_are_read_as_an_unpacker_applies_them_and_each_package_sits_in_the_layer_of_its_version()
    {
        var status1 = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n\nPackage: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.2.13\n";
        var status2 = status1.Replace("2.36-9", "2.36-9+deb12u4") + "\nPackage: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1\n";
        var l1 = await ScanAsync(Layer(("etc/os-release", "ID=debian\nVERSION_ID=12\n"), ("var/lib/dpkg/status", status1),
            ("usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/System.Private.CoreLib.dll", "x"), ("../../etc/passwd", "hostile name, ignored")));
        var l2 = await ScanAsync(Layer(("var/lib/dpkg/status", status2)));
        var l3 = await ScanAsync(Layer(("var/lib/dpkg/status.d/base-files", "Package: base-files\nVersion: 12.4\nArchitecture: amd64\n")));
        var l4 = await ScanAsync(Layer(("var/lib/dpkg/status.d/.wh.base-files", "")));
        Digest[] digests = [Digest.Sha256("1"u8), Digest.Sha256("2"u8), Digest.Sha256("3"u8), Digest.Sha256("4"u8)];

        var packages = ImagePackages.Merge(digests, [l1, l2, l3, l4]);
        Assert.AreEqual("debian", packages.Os!.Id);
        var layerOf = packages.Packages.ToDictionary(p => p.Package.Name, p => p.Layer);
        Assert.AreEqual(digests[1], layerOf["libc6"], "upgraded in layer 2: it sits there");
        Assert.AreEqual(digests[0], layerOf["zlib1g"], "unchanged since layer 1");
        Assert.AreEqual(digests[1], layerOf["curl"]);
        Assert.IsFalse(layerOf.ContainsKey("base-files"), "the whiteout of layer 4 deleted it");
        Assert.AreEqual(new LayeredFramework("Microsoft.NETCore.App", "10.0.12", digests[0]), packages.Frameworks.Single());
        Assert.IsFalse(l1.Files.Keys.Any(k => k.Contains("passwd")), "a name outside the root is not read");
    }

    [TestMethod]
    public async Task A_package_database_larger_than_any_real_one_is_refused_before_it_is_read()
    {
        var huge = new string('x', (int)LayerPackageFiles.MaxFileBytes + 1);
        await Assert.ThrowsExactlyAsync<InvalidDataException>(() => ScanAsync(Layer(("var/lib/dpkg/status", huge))));
    }

    [TestMethod]
    public async Task Both_documents_are_valid_by_their_schemas_the_same_inputs_give_the_same_bytes_and_nothing_is_random()
    {
        using var dir = new TempDir("ctz-sbom");
        var project = Path.Combine(dir.Path, "App.csproj");
        var graph = await ProjectAssets.ReadAsync(WriteAssets(dir.Path, project), project, "net10.0", "linux-x64", CancellationToken.None);
        var layer = Digest.Sha256("packages"u8).ToString();
        var baseLayer = Digest.Sha256("base"u8);
        var inputs = new SbomInputs
        {
            ImageName = "localhost:5000/app",
            ManifestDigest = Digest.Sha256("manifest"u8).ToString(),
            Platform = "linux/amd64",
            Created = DateTimeOffset.FromUnixTimeSeconds(1700000000),
            ToolVersion = "0.1.0",
            Application = new ApplicationInfo("App", "1.2.3", "https://example.org/app.git", "0123abc", Digest.Sha256("app"u8).ToString()),
            Assets = graph,
            LayerOf = l => l.Name == "Humanizer.Core" ? layer : null,
            Image = new ImagePackages(new OsRelease("debian", "12", "Debian GNU/Linux 12 (bookworm)"),
                [
                    new LayeredPackage(new OsPackage("libc6", "2.36-9+deb12u4", "amd64", "glibc", null, false), baseLayer),
                    new LayeredPackage(new OsPackage("musl", "1.2.5-r0", "x86_64", null, "MIT BSD", true), baseLayer),
                ],
                [new LayeredFramework("Microsoft.NETCore.App", "10.0.12", baseLayer)]),
            Environment = ["DOTNET_VERSION=10.0.12"],
        };
        var inventory = SbomBuilder.Build(inputs);
        var spdx = SpdxWriter.Write(inventory);
        var cdx = CycloneDxWriter.Write(inventory);
        SpecSchemas.AssertValidSpdx(spdx);
        SpecSchemas.AssertValidCycloneDx(cdx);
        CollectionAssert.AreEqual(spdx, SpdxWriter.Write(SbomBuilder.Build(inputs)), "SPDX bytes differ between two runs");
        CollectionAssert.AreEqual(cdx, CycloneDxWriter.Write(SbomBuilder.Build(inputs)), "CycloneDX bytes differ between two runs");

        using var s = JsonDocument.Parse(spdx);
        var packages = s.RootElement.GetProperty("packages").EnumerateArray().ToList();
        var humanizer = packages.Single(p => p.GetProperty("name").GetString() == "Humanizer.Core");
        Assert.AreEqual("MIT", humanizer.GetProperty("licenseDeclared").GetString());
        Assert.AreEqual(Convert.ToHexStringLower(Convert.FromBase64String(FileSha)), humanizer.GetProperty("checksums")[0].GetProperty("checksumValue").GetString(),
            "the .nupkg file's hash, from NuGet's record beside it");
        Assert.AreEqual("pkg:nuget/Humanizer.Core@2.14.1", humanizer.GetProperty("externalRefs")[0].GetProperty("referenceLocator").GetString());
        StringAssert.Contains(humanizer.GetProperty("annotations")[0].GetProperty("comment").GetString(), layer);
        var libc = packages.Single(p => p.GetProperty("name").GetString() == "libc6");
        Assert.AreEqual("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12", libc.GetProperty("externalRefs")[0].GetProperty("referenceLocator").GetString());
        var newtonsoft = packages.Single(p => p.GetProperty("name").GetString() == "Newtonsoft.Json");
        Assert.AreEqual(Convert.ToHexStringLower(Convert.FromBase64String(Sha)), newtonsoft.GetProperty("checksums")[0].GetProperty("checksumValue").GetString(),
            "no record beside the package: the assets file's hash");
        Assert.AreEqual("NOASSERTION", newtonsoft.GetProperty("licenseDeclared").GetString());
        StringAssert.Contains(newtonsoft.GetProperty("licenseComments").GetString(), "https://example.org/license.md");
        Assert.IsFalse(packages.Any(p => p.GetProperty("name").GetString()!.StartsWith("Microsoft.SourceLink", StringComparison.Ordinal)), "build tools are not in the image");
        Assert.AreEqual("2023-11-14T22:13:20Z", s.RootElement.GetProperty("creationInfo").GetProperty("created").GetString());
        var relationships = s.RootElement.GetProperty("relationships").EnumerateArray()
            .Select(r => (r.GetProperty("spdxElementId").GetString(), r.GetProperty("relationshipType").GetString(), r.GetProperty("relatedSpdxElement").GetString())).ToList();
        Assert.IsTrue(relationships.Contains(("SPDXRef-Project-Lib-1.0.0", "DEPENDS_ON", "SPDXRef-NuGet-Newtonsoft.Json-13.0.3")));
        Assert.IsTrue(relationships.Contains(("SPDXRef-Application-App-1.2.3", "DEPENDS_ON", "SPDXRef-NuGet-Humanizer.Core-2.14.1")));
        Assert.IsFalse(relationships.Contains(("SPDXRef-Application-App-1.2.3", "DEPENDS_ON", "SPDXRef-NuGet-Newtonsoft.Json-13.0.3")), "transitive");

        using var c = JsonDocument.Parse(cdx);
        StringAssert.StartsWith(c.RootElement.GetProperty("serialNumber").GetString(), "urn:uuid:");
        var runtime = c.RootElement.GetProperty("components").EnumerateArray().Single(x => x.GetProperty("type").GetString() == "framework");
        Assert.AreEqual("pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@10.0.12", runtime.GetProperty("purl").GetString());
        var musl = c.RootElement.GetProperty("components").EnumerateArray().Single(x => x.GetProperty("name").GetString() == "musl");
        Assert.AreEqual("MIT BSD", musl.GetProperty("licenses")[0].GetProperty("license").GetProperty("name").GetString(), "not an SPDX expression: kept as a name");

        // Another manifest: another namespace and serial number, made from the digest.
        var other = SbomBuilder.Build(inputs with { ManifestDigest = Digest.Sha256("other"u8).ToString() });
        Assert.AreNotEqual(c.RootElement.GetProperty("serialNumber").GetString(),
            JsonDocument.Parse(CycloneDxWriter.Write(other)).RootElement.GetProperty("serialNumber").GetString());
    }

    [TestMethod]
    [DataRow("MIT", true)]
    [DataRow("(MIT OR Apache-2.0) AND BSD-3-Clause", true)]
    [DataRow("GPL-2.0-or-later WITH Classpath-exception-2.0", true)]
    [DataRow("LicenseRef-Custom", true)]
    [DataRow("MIT BSD", false)]
    [DataRow("MIT AND", false)]
    [DataRow("(MIT", false)]
    [DataRow("see license.txt", false)]
    [DataRow("", false)]
    public void License_expressions_are_checked_before_they_go_where_SPDX_expects_one(string expression, bool valid) =>
        Assert.AreEqual(valid, LicenseExpressions.IsValid(expression));

    [TestMethod]
    public async Task A_layer_of_many_large_deps_files_is_refused_once_their_sum_passes_the_cap()
    {
        var big = new string(' ', 30 << 20);
        var files = Enumerable.Range(0, 5).Select(i => ($"app{i}/App.deps.json", big)).ToArray();
        var e = await Assert.ThrowsExactlyAsync<InvalidDataException>(() => ScanAsync(Layer(files)));
        StringAssert.Contains(e.Message, "MiB");
    }

    [TestMethod]
    public async Task A_layer_that_is_not_a_tar_gives_a_warning_and_no_OS_package_never_an_exception()
    {
        using var dir = new TempDir("ctz-sbom-store");
        var store = await Containerize.Core.Images.Store.OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var layer = await store.PutBlobAsync(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 }, MediaTypes.OciLayerGzip);
        var truncatedTar = await store.PutBlobAsync(Layer(("var/lib/dpkg/status", "Package: a\nVersion: 1\n")).AsMemory(0, 40), MediaTypes.OciLayerGzip);
        foreach (var bad in new[] { layer, truncatedTar })
        {
            var sink = new CollectingSink();
            var packages = await ImagePackages.ReadOrWarnAsync(() => ImagePackages.ReadAsync(store, [bad], null, "hostile", CancellationToken.None), sink, "App.csproj", CancellationToken.None);
            Assert.AreSame(ImagePackages.Empty, packages);
            Assert.AreEqual(SupplyErrors.OsPackagesUnreadable, sink.Diagnostics.Single().Code);
            Assert.AreEqual(Severity.Warning, sink.Diagnostics.Single().Severity);
        }
    }

    [TestMethod]
    public void The_referrers_index_is_written_only_when_an_entry_is_new_or_changed()
    {
        var entry = new Descriptor
        {
            MediaType = MediaTypes.OciManifest, Digest = Digest.Sha256("a"u8), Size = 10, ArtifactType = SbomFormat.SpdxMediaType,
            Annotations = new Dictionary<string, string> { [AnnotationKeys.Created] = "1970-01-01T00:00:00Z" },
        };
        var created = ReferrersIndex.Merge(null, [entry])!;
        // Read back from a registry: equal by content, another dictionary instance.
        var readBack = OciJson.DeserializeIndex(OciJson.Serialize(created));
        Assert.IsNull(ReferrersIndex.Merge(readBack, [entry]), "nothing new: no PUT");
        var other = entry with { Digest = Digest.Sha256("b"u8) };
        Assert.AreEqual(2, ReferrersIndex.Merge(readBack, [other])!.Manifests.Count, "another tool's entry stays");
        Assert.AreEqual("sha256-" + Digest.Sha256("a"u8).Encoded, ReferrersIndex.TagOf(entry.Digest));
    }

    private static Task<LayerPackageFiles> ScanAsync(byte[] layer) => LayerPackageFiles.ScanAsync(new MemoryStream(layer), CancellationToken.None);

    internal static byte[] Layer(params (string Path, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
                tar.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }
}
