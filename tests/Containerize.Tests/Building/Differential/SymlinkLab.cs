using System.Formats.Tar;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building.Differential;

/// <summary>
/// Hostile build contexts for issue #17.3, and both engines building from them. Two canary folders lie beside the
/// contexts, each holding a secret this run invents; the contexts link to them absolutely, by climbing with '..',
/// through chains, loops and linked folders in the middle of a path. Canary A has a shadow inside the hostile context at
/// the path its links name, so resolving a link inside the context (BuildKit's rule) finds the shadow; canary B has
/// none, so its links lead nowhere inside. A canary's secret, or its digest, in anything we store is a link followed
/// on this machine.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class SymlinkLab : IDisposable
{
    private readonly TempDir _temp = new("ctz-links");

    private SymlinkLab(string docker)
    {
        Docker = docker;
        Secrets = [$"CANARY-A-{Guid.NewGuid():N}", $"CANARY-B-{Guid.NewGuid():N}"];
    }

    public string Docker { get; }

    /// <summary>The lab's folder: the canaries are under it, and the links name it absolutely.</summary>
    public string Root => _temp.Path;

    /// <summary>The store holding only the base image; each case builds in a copy (<see cref="StoreOf"/>), so a secret found is that case's.</summary>
    private string BaseStore => _temp.Combine("store");

    /// <summary>The case's own store, a copy of the base one made on first use.</summary>
    public string StoreOf(string name)
    {
        var store = _temp.Combine("stores", name);
        if (!Directory.Exists(store)) CopyTree(BaseStore, store);
        return store;
    }

    public string CanaryA => _temp.Combine("canary-a");

    public string CanaryB => _temp.Combine("canary-b");

    /// <summary>Canary A's and B's secrets (what every file of theirs holds).</summary>
    public string[] Secrets { get; }

    /// <summary>Names a case may give as its context: a folder under the lab.</summary>
    public string ContextPath(string name) => _temp.Combine(name);

    public static async Task<SymlinkLab> CreateAsync()
    {
        Requirements.RequireRoot("RUN steps in runc");
        Requirements.Tool("runc");
        var docker = DockerEngines.Docker26();
        var lab = new SymlinkLab(docker);
        try
        {
            await DifferentialCorpus.EnsureBaseInDockerAsync(docker, lab.Root, lab.BaseStore);
            lab.WriteCanaries();
            lab.WriteHostileContext();
            lab.WriteIgnoreContexts();
            Directory.CreateDirectory(lab.ContextPath("empty"));
            Directory.CreateDirectory(lab.ContextPath("dockerfiles"));
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private void WriteCanaries()
    {
        foreach (var (folder, secret) in new[] { (CanaryA, Secrets[0]), (CanaryB, Secrets[1]) })
        {
            Write(folder, "secret.txt", secret);
            Write(folder, "only.txt", secret);
            Write(folder, "sub/deep.txt", secret);
            File.WriteAllBytes(Path.Combine(folder, "app.tar"), Tar("app.txt", secret));
            Write(folder, "ignore", "excluded.txt\n");
        }
    }

    private void WriteHostileContext()
    {
        var ctx = ContextPath("hostile");
        var climb = string.Concat(Enumerable.Repeat("../", 8)) + Root.TrimStart('/');
        Write(ctx, "real/file.txt", "real\n");
        Write(ctx, "aaa/only.txt", "aaa\n");
        // Where links to canary A lead when resolved inside the context: its absolute path under the context root,
        // and ../canary-a climbing no higher than the root.
        var shadow = Path.Combine(ctx, CanaryA.TrimStart('/'));
        Write(shadow, "secret.txt", "shadow-a\n");
        Write(shadow, "only.txt", "shadow-only\n");
        Write(shadow, "sub/deep.txt", "shadow-deep\n");
        File.WriteAllBytes(Path.Combine(shadow, "app.tar"), Tar("app.txt", "shadow-tar\n"));
        Write(ctx, "canary-a/secret.txt", "shadow-up\n");
        Write(ctx, "links/plain.txt", "plain\n");
        foreach (var (link, target) in new[]
        {
            ("abs-a-file", CanaryA + "/secret.txt"), ("abs-a-dir", CanaryA), ("abs-a-tar", CanaryA + "/app.tar"),
            ("climb-a", climb + "/canary-a/secret.txt"), ("up-a", "../canary-a"), ("chain1", "chain2"), ("chain2", CanaryA),
            ("abs-b-file", CanaryB + "/secret.txt"), ("abs-b-dir", CanaryB), ("abs-b-tar", CanaryB + "/app.tar"),
            ("climb-b", climb + "/canary-b/secret.txt"), ("up-b", "../canary-b"), ("chain-b1", "chain-b2"), ("chain-b2", CanaryB),
            ("loop1", "loop2"), ("loop2", "loop1"), ("in-dir", "real"),
            ("links/abs", CanaryA + "/secret.txt"), ("links/climb", "../../canary-b/secret.txt"), ("links/rel", "../real/file.txt"), ("links/dir", CanaryB),
        })
        {
            File.CreateSymbolicLink(Path.Combine(ctx, link), target);
        }
    }

    /// <summary>
    /// ign-out: .dockerignore links to a host file naming excluded.txt (BuildKit: no ignore file); ign-in: the same
    /// link, with a shadow inside naming kept.txt (BuildKit reads the shadow).
    /// </summary>
    private void WriteIgnoreContexts()
    {
        foreach (var name in new[] { "ign-out", "ign-in" })
        {
            var ctx = ContextPath(name);
            Write(ctx, "excluded.txt", "e\n");
            Write(ctx, "kept.txt", "k\n");
            File.CreateSymbolicLink(Path.Combine(ctx, ".dockerignore"), CanaryA + "/ignore");
        }

        Write(Path.Combine(ContextPath("ign-in"), CanaryA.TrimStart('/')), "ignore", "kept.txt\n");
    }

    public string WriteDockerfile(string name, string text)
    {
        var path = Path.Combine(ContextPath("dockerfiles"), name + ".Dockerfile");
        File.WriteAllText(path, text.Replace("{ROOT}", Root, StringComparison.Ordinal));
        return path;
    }

    /// <summary>docker build on Docker 26 (BuildKit), then docker save; Image is null when the build failed.</summary>
    public async Task<(int ExitCode, string Output, ImageArchive? Image)> BuildKitAsync(string name, string dockerfile, string context, string? named)
    {
        var tag = $"ctz-links/{name}:buildkit";
        List<string> args = ["build", "-q", "--no-cache", "--network=host", "-f", dockerfile, "-t", tag];
        if (named is not null) args.AddRange(["--build-context", "n=" + named]);
        args.Add(context);
        var build = await ProcessRunner.RunAsync(Docker, args, timeout: TimeSpan.FromMinutes(3));
        if (build.ExitCode != 0) return (build.ExitCode, build.StdErr + build.StdOut, null);
        var archive = _temp.Combine(name + ".buildkit.tar");
        (await ProcessRunner.RunAsync(Docker, ["save", "-o", archive, tag], timeout: TimeSpan.FromMinutes(3))).EnsureSuccess("docker save " + tag);
        await ProcessRunner.RunAsync(Docker, ["rmi", "-f", tag]);
        return (0, build.StdErr, await ImageArchive.ReadAsync(archive));
    }

    /// <summary>Our engine through the CLI, then `containerize save`; Image is null when the build failed.</summary>
    public async Task<(int ExitCode, string Output, ImageArchive? Image)> OursAsync(string name, string dockerfile, string context, string? named)
    {
        var tag = $"ctz-links/{name}:builtin";
        List<string> args = ["build", "--store", StoreOf(name), "--runtime-root", _temp.Combine("runtime"), "-f", dockerfile, "-t", tag];
        if (named is not null) args.AddRange(["--build-context", "n=" + named]);
        args.Add(context);
        var build = await CliRunner.RunAsync(Root, [.. args]);
        if (build.ExitCode != 0) return (build.ExitCode, build.StdErr + build.StdOut, null);
        var archive = _temp.Combine(name + ".builtin.tar");
        var save = await CliRunner.RunAsync(Root, "save", tag, "-o", "docker-archive:" + archive, "--store", StoreOf(name));
        Assert.AreEqual(0, save.ExitCode, save.StdErr);
        return (0, build.StdOut, await ImageArchive.ReadAsync(archive));
    }

    /// <summary>The canaries' secrets and their SHA-256 (as a cache key or digest record would hold them), in hex.</summary>
    public IEnumerable<string> Needles() =>
        Secrets.SelectMany(s => new[] { s, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s))) });

    /// <summary>Every file under a case's store (blobs: layers as plain tars, configs, cache records, indexes) holding a needle.</summary>
    public IEnumerable<string> StoreFilesWithCanary(string name)
    {
        var needles = Needles().Select(Encoding.UTF8.GetBytes).ToList();
        var store = StoreOf(name);
        foreach (var file in Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            if (needles.Any(n => bytes.AsSpan().IndexOf(n) >= 0)) yield return Path.GetRelativePath(store, file);
        }
    }

    /// <summary>The layers of an image (uncompressed) holding a needle, by index.</summary>
    public IEnumerable<int> LayersWithCanary(ImageArchive image)
    {
        var needles = Needles().Select(Encoding.UTF8.GetBytes).ToList();
        return Enumerable.Range(0, image.Layers.Count).Where(i => needles.Any(n => image.Layers[i].AsSpan().IndexOf(n) >= 0));
    }

    private static void Write(string root, string relative, string content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private static byte[] Tar(string name, string content)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name)
            {
                Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
            });
        }

        return output.ToArray();
    }

    public void Dispose() => _temp.Dispose();
}
