using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Supply.Sbom;

/// <summary>An OS package or .NET shared framework of the image, and the layer that brought its current version.</summary>
public sealed record LayeredPackage(OsPackage Package, Digest Layer);

/// <summary>A shared framework (Microsoft.NETCore.App 10.0.0) and the layer that added its folder.</summary>
public sealed record LayeredFramework(string Name, string Version, Digest Layer);

/// <summary>A NuGet package an app's .deps.json lists, and the layer of that .deps.json.</summary>
public sealed record LayeredNuGet(string Name, string Version, string? Sha512Base64, Digest Layer, string DepsFile);

/// <summary>
/// What the image's layers say about its OS: the release, the installed packages, the .NET shared frameworks, and the
/// NuGet packages of the apps' .deps.json files (for images built from a Dockerfile, where there is no restore graph).
/// </summary>
public sealed record ImagePackages(OsRelease? Os, IReadOnlyList<LayeredPackage> Packages, IReadOnlyList<LayeredFramework> Frameworks)
{
    public static ImagePackages Empty { get; } = new(null, [], []);

    /// <summary>Per-layer extracts of package databases, beside the store's blobs (a cache: deleting it costs one read).</summary>
    public static string CacheFolder(OciLayoutStore store) => Path.Combine(store.Root, "sbom-layers");

    public IReadOnlyList<LayeredNuGet> NuGet { get; init; } = [];

    /// <summary>
    /// Applies the layers' extracts in order, as an unpacker would (a later file replaces an earlier one, a whiteout
    /// deletes, an opaque folder empties), and dates each package by the first layer of the unbroken run in which it had
    /// its final version: a package that a later layer upgrades sits in that later layer.
    /// </summary>
    public static async Task<ImagePackages> ReadAsync(IContentStore store, IReadOnlyList<Descriptor> layers, string? cacheFolder, string? image, CancellationToken cancellationToken)
    {
        var extracts = new LayerPackageFiles[layers.Count];
        for (var i = 0; i < layers.Count; i++)
        {
            extracts[i] = await LayerPackageFiles.ReadAsync(store, layers[i], cacheFolder, image, cancellationToken).ConfigureAwait(false);
        }

        return Merge(layers.Select(l => l.Digest).ToList(), extracts);
    }

    /// <summary>
    /// <see cref="ReadAsync"/>, or no package with warning CTZ8005 when a layer cannot be read (fetched offline, a damaged
    /// or hostile tar, a database past the caps): the rest of the SBOM stands, and says nothing false.
    /// </summary>
    public static async Task<ImagePackages> ReadOrWarnAsync(Func<Task<ImagePackages>> read, Diagnostics.IDiagnosticSink sink, string? file, CancellationToken cancellationToken)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or Diagnostics.ContainerizeException or IOException or FormatException && !cancellationToken.IsCancellationRequested)
        {
            sink.Report(new Diagnostics.Diagnostic(SupplyErrors.OsPackagesUnreadable, Diagnostics.Severity.Warning,
                $"the SBOM lists no OS package: the image's package database could not be read ({(e is Diagnostics.ContainerizeException ce ? ce.Diagnostic.Message : e.Message)})",
                file, Hint: "a base image from a registry that cannot be reached (ContainerOffline) or a damaged layer; the NuGet packages are listed all the same"));
            return Empty;
        }
    }

    public static ImagePackages Merge(IReadOnlyList<Digest> layers, IReadOnlyList<LayerPackageFiles> extracts)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var writtenIn = new Dictionary<string, int>(StringComparer.Ordinal);
        var since = new Dictionary<string, (OsPackage Package, int Layer)>(StringComparer.Ordinal);
        var frameworks = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < extracts.Count; i++)
        {
            var x = extracts[i];
            foreach (var folder in x.OpaqueFolders)
            {
                foreach (var key in files.Keys.Where(k => k.StartsWith(folder + "/", StringComparison.Ordinal)).ToList()) files.Remove(key);
            }

            foreach (var (path, content) in x.Files)
            {
                if (content is null)
                {
                    // A whiteout of a file, or of the status.d folder itself.
                    foreach (var key in files.Keys.Where(k => k == path || k.StartsWith(path + "/", StringComparison.Ordinal)).ToList()) files.Remove(key);
                }
                else
                {
                    files[path] = content;
                    writtenIn[path] = i;
                }
            }

            foreach (var f in x.Frameworks) frameworks.TryAdd(f, i);
            if (x.Files.Count == 0 && x.OpaqueFolders.Count == 0) continue;
            var now = Installed(files).ToList();
            var next = new Dictionary<string, (OsPackage, int)>(StringComparer.Ordinal);
            foreach (var p in now)
            {
                var key = $"{(p.Apk ? "apk" : "deb")}:{p.Name}:{p.Architecture}";
                next[key] = since.TryGetValue(key, out var prior) && prior.Package.Version == p.Version ? (p, prior.Layer) : (p, i);
            }

            since = next;
        }

        var os = files.TryGetValue("etc/os-release", out var etc) ? OsPackageDatabase.ParseOsRelease(etc)
            : files.TryGetValue("usr/lib/os-release", out var usr) ? OsPackageDatabase.ParseOsRelease(usr)
            : null;
        var packages = since.Values
            .OrderBy(v => v.Package.Name, StringComparer.Ordinal).ThenBy(v => v.Package.Architecture, StringComparer.Ordinal)
            .Select(v => new LayeredPackage(v.Package, layers[v.Layer])).ToList();
        var fws = frameworks.OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => new LayeredFramework(f.Key[..f.Key.IndexOf('/')], f.Key[(f.Key.IndexOf('/') + 1)..], layers[f.Value])).ToList();
        var nuget = files.Where(f => LayerPackageFiles.IsDepsFile(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal)
            .SelectMany(f => DepsFile.Packages(f.Value).Select(p => new LayeredNuGet(p.Name, p.Version, p.Sha512, layers[writtenIn[f.Key]], f.Key)))
            .DistinctBy(p => (p.Name, p.Version)).ToList();
        return new ImagePackages(os, packages, fws) { NuGet = nuget };
    }

    private static IEnumerable<OsPackage> Installed(Dictionary<string, string> files)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IEnumerable<OsPackage> all = [];
        if (files.TryGetValue("var/lib/dpkg/status", out var status)) all = all.Concat(OsPackageDatabase.ParseDpkg(status));
        foreach (var (path, content) in files.Where(f => f.Key.StartsWith(LayerPackageFiles.StatusD, StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            all = all.Concat(OsPackageDatabase.ParseDpkg(content, requireInstalledStatus: false));
        }

        if (files.TryGetValue("lib/apk/db/installed", out var apk)) all = all.Concat(OsPackageDatabase.ParseApk(apk));
        foreach (var p in all)
        {
            if (seen.Add($"{(p.Apk ? "apk" : "deb")}:{p.Name}:{p.Architecture}")) yield return p;
        }
    }
}
