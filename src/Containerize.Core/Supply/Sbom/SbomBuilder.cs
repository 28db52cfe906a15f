namespace Containerize.Core.Supply.Sbom;

/// <summary>The application an SBOM is about: its name, version and, when known, its source.</summary>
public sealed record ApplicationInfo(string Name, string Version, string? RepositoryUrl = null, string? Revision = null, string? Layer = null);

/// <summary>Everything an SBOM is made from; the publish and <c>containerize build --sbom</c> each fill what they know.</summary>
public sealed record SbomInputs
{
    public required string ImageName { get; init; }

    public required string ManifestDigest { get; init; }

    /// <summary>os/arch[/variant] of the image.</summary>
    public required string Platform { get; init; }

    public required DateTimeOffset Created { get; init; }

    public required string ToolVersion { get; init; }

    public required ApplicationInfo Application { get; init; }

    /// <summary>The restore graph of the published project; null for an image built from a Dockerfile alone.</summary>
    public ProjectAssets.Graph? Assets { get; init; }

    /// <summary>The image layer a library's files sit in, by name and version (null: none of its files is in the image).</summary>
    public Func<AssetLibrary, string?> LayerOf { get; init; } = _ => null;

    public ImagePackages Image { get; init; } = ImagePackages.Empty;

    /// <summary>The image config's environment: DOTNET_VERSION and ASPNET_VERSION name the base's runtime versions.</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];
}

/// <summary>Turns what the publish knows into the format-independent <see cref="SbomInventory"/>.</summary>
public static class SbomBuilder
{
    public static SbomInventory Build(SbomInputs inputs)
    {
        var components = new List<SbomComponent>();
        var refsByName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var direct = new List<string>();
        if (inputs.Assets is { } graph)
        {
            var shipped = Shipped(graph.Libraries, inputs.LayerOf);
            foreach (var lib in shipped) refsByName.TryAdd(lib.Name, RefOf(lib));
            foreach (var lib in shipped)
            {
                var reference = RefOf(lib);
                if (lib.Direct) direct.Add(reference);
                var (expression, url) = lib.IsProject ? (null, null) : NuspecLicense.Read(graph.PackageFolders, lib.Path, lib.Name);
                components.Add(new SbomComponent
                {
                    Ref = reference,
                    Kind = lib.IsProject ? ComponentKind.Project : ComponentKind.NuGetPackage,
                    Name = lib.Name,
                    Version = lib.Version,
                    Purl = lib.IsProject ? null : Purl.NuGet(lib.Name, lib.Version),
                    Sha512 = Sha512Hex(lib.IsProject ? null : NupkgHash.Read(graph.PackageFolders, lib.Path, lib.Name, lib.Version) ?? lib.Sha512Base64),
                    LicenseExpression = expression,
                    LicenseUrl = url,
                    Direct = lib.Direct,
                    Layer = inputs.LayerOf(lib),
                    DependsOn = lib.Dependencies.Select(d => refsByName.GetValueOrDefault(d)).OfType<string>().ToList(),
                });
            }
        }

        else
        {
            // No restore graph (an image built from a Dockerfile): the packages its apps' .deps.json files list.
            foreach (var p in inputs.Image.NuGet)
            {
                var purl = Purl.NuGet(p.Name, p.Version);
                if (!refsByName.TryAdd(p.Name + "/" + p.Version, purl)) continue;
                direct.Add(purl);
                components.Add(new SbomComponent
                {
                    Ref = purl, Kind = ComponentKind.NuGetPackage, Name = p.Name, Version = p.Version, Purl = purl,
                    Sha512 = Sha512Hex(p.Sha512Base64), Layer = p.Layer.ToString(),
                });
            }
        }

        var os = inputs.Image.Os;
        var rid = RuntimeRid(inputs.Platform, os);
        foreach (var fw in inputs.Image.Frameworks)
        {
            var version = fw.Name switch
            {
                "Microsoft.NETCore.App" => EnvValue(inputs.Environment, "DOTNET_VERSION"),
                "Microsoft.AspNetCore.App" => EnvValue(inputs.Environment, "ASPNET_VERSION"),
                _ => null,
            };
            // The config names the version the base was made with; a base that sets nothing is read from its folders.
            if (version is null || !inputs.Image.Frameworks.Any(f => f.Name == fw.Name && f.Version == version)) version = fw.Version;
            if (fw.Version != version) continue;
            var purl = rid is null ? null : Purl.NuGet($"{fw.Name}.Runtime.{rid}", version);
            var reference = purl ?? $"runtime:{fw.Name}@{version}";
            direct.Add(reference);
            components.Add(new SbomComponent { Ref = reference, Kind = ComponentKind.Runtime, Name = fw.Name, Version = version, Purl = purl, Layer = fw.Layer.ToString() });
        }

        foreach (var p in inputs.Image.Packages)
        {
            var pkg = p.Package;
            var distro = os?.Id ?? (pkg.Apk ? "alpine" : "debian");
            var purl = pkg.Apk
                ? Purl.Apk(distro, pkg.Name, pkg.Version, pkg.Architecture, os?.VersionId)
                : Purl.Deb(distro, pkg.Name, pkg.Version, pkg.Architecture, os?.VersionId);
            components.Add(new SbomComponent
            {
                Ref = purl,
                Kind = ComponentKind.OsPackage,
                Name = pkg.Name,
                Version = pkg.Version,
                Purl = purl,
                LicenseExpression = pkg.License,
                Architecture = pkg.Architecture,
                Source = pkg.Source,
                Layer = p.Layer.ToString(),
            });
        }

        var app = inputs.Application;
        return new SbomInventory
        {
            ImageName = inputs.ImageName,
            ManifestDigest = inputs.ManifestDigest,
            Platform = inputs.Platform,
            Created = inputs.Created,
            ToolVersion = inputs.ToolVersion,
            Os = os,
            Application = new SbomComponent
            {
                Ref = "app:" + app.Name,
                Kind = ComponentKind.Application,
                Name = app.Name,
                Version = app.Version,
                RepositoryUrl = app.RepositoryUrl,
                Revision = app.Revision,
                Layer = app.Layer,
                DependsOn = direct,
            },
            Components = components,
        };
    }

    /// <summary>
    /// The libraries that are part of the app: those with files in the image, and the closure of the app's own
    /// references (development-only ones excluded: PrivateAssets=all tools such as analyzers, whose dependencies are
    /// build-time too), as the CycloneDX tool's --exclude-dev does.
    /// </summary>
    internal static IReadOnlyList<AssetLibrary> Shipped(IReadOnlyList<AssetLibrary> libraries, Func<AssetLibrary, string?> layerOf)
    {
        var byName = libraries.GroupBy(l => l.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var keep = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var queue = new Queue<AssetLibrary>(libraries.Where(l => (l.Direct && !l.DevelopmentOnly) || layerOf(l) is not null));
        while (queue.Count > 0)
        {
            var lib = queue.Dequeue();
            if (!keep.Add(lib.Name)) continue;
            foreach (var d in lib.Dependencies)
            {
                if (byName.TryGetValue(d, out var dep)) queue.Enqueue(dep);
            }
        }

        return libraries.Where(l => keep.Contains(l.Name)).ToList();
    }

    private static string RefOf(AssetLibrary lib) => lib.IsProject ? "project:" + lib.Name : Purl.NuGet(lib.Name, lib.Version);

    private static string? Sha512Hex(string? base64)
    {
        if (string.IsNullOrEmpty(base64)) return null;
        var bytes = new byte[64];
        return Convert.TryFromBase64String(base64, bytes, out var written) && written == 64 ? Convert.ToHexStringLower(bytes) : null;
    }

    private static string? EnvValue(IReadOnlyList<string> env, string name) =>
        env.Where(e => e.StartsWith(name + "=", StringComparison.Ordinal)).Select(e => e[(name.Length + 1)..]).LastOrDefault();

    /// <summary>The RID of the runtime packs matching the image: linux-x64, linux-musl-arm64.</summary>
    private static string? RuntimeRid(string platform, OsRelease? os)
    {
        var parts = platform.Split('/');
        if (parts.Length < 2 || parts[0] != "linux") return null;
        var arch = parts[1] switch { "amd64" => "x64", "arm64" => "arm64", "arm" => "arm", "s390x" => "s390x", "ppc64le" => "ppc64le", _ => null };
        if (arch is null) return null;
        return os?.Id == "alpine" ? $"linux-musl-{arch}" : $"linux-{arch}";
    }
}
