using System.Formats.Tar;
using Containerize.Core.Handoff;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Engines;

/// <summary>One real engine variant the hand-off tests run against, and how to ask it about the result.</summary>
public sealed record EngineVariant(string Name, EngineKind Kind, string Client, BuilderPreference Preference, IReadOnlyDictionary<string, string?> Environment)
{
    public EngineLocatorOptions Options => new() { ClientPath = Client, Preference = Preference, Environment = Environment };

    public Task<ProcessResult> RunAsync(params string[] args) =>
        ProcessRunner.RunAsync(Client, args, environment: Environment.ToDictionary(kv => kv.Key, kv => kv.Value), timeout: TimeSpan.FromMinutes(3));

    public override string ToString() => Name;
}

/// <summary>The engines eng/setup starts, a busybox base for RUN, and tar helpers.</summary>
public static class EngineLab
{
    public const string Busybox = "ctz-test/busybox:1";

    public static readonly string[] VariantNames = ["docker20-buildkit", "docker20-classic", "docker26-buildx", "podman"];

    public static IEnumerable<object[]> Variants => VariantNames.Select(v => new object[] { v });

    public static string DisplayName(System.Reflection.MethodInfo method, object?[]? data) => $"{method.Name} ({data?[0]})";

    public static EngineVariant Get(string name) => name switch
    {
        "docker20-buildkit" => new(name, EngineKind.Docker, DockerEngines.Docker20(), BuilderPreference.BuildKit, Empty),
        "docker20-classic" => new(name, EngineKind.Docker, DockerEngines.Docker20(), BuilderPreference.Classic, Empty),
        "docker26-buildx" => new(name, EngineKind.Docker, DockerEngines.Docker26(), BuilderPreference.BuildKit, Empty),
        "podman" => Podman(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static readonly IReadOnlyDictionary<string, string?> Empty = new Dictionary<string, string?>();

    /// <summary>Podman with the configuration eng/setup.d/40-podman.sh writes under artifacts/podman.</summary>
    public static EngineVariant Podman()
    {
        var podman = Requirements.Tool("podman");
        var dir = Path.Combine(RepoPaths.Root, "artifacts", "podman");
        var conf = Path.Combine(dir, "containers.conf");
        var storage = Path.Combine(dir, "storage.conf");
        if (!File.Exists(conf) || !File.Exists(storage)) Requirements.Missing($"podman configuration missing in {dir} (bash eng/setup writes it)");
        return new("podman", EngineKind.Podman, podman, BuilderPreference.Auto, new Dictionary<string, string?>
        {
            ["CONTAINERS_CONF"] = conf,
            ["CONTAINERS_STORAGE_CONF"] = storage,
        });
    }

    /// <summary>Imports a busybox base (Debian's static busybox, /bin/sh linked to it) into the engine once.</summary>
    public static async Task EnsureBusyboxAsync(EngineVariant engine)
    {
        if ((await engine.RunAsync("image", "inspect", Busybox)).ExitCode == 0) return;
        if (!File.Exists("/bin/busybox")) Requirements.Missing("busybox-static is not installed (bash eng/setup installs it)");
        using var dir = new TempDir("ctz-busybox");
        var tarPath = dir.Combine("busybox.tar");
        await using (var file = File.Create(tarPath))
        await using (var writer = new TarWriter(file, TarEntryFormat.Pax))
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "bin/") { Mode = (UnixFileMode)0b111_101_101 });
            await using var busybox = File.OpenRead("/bin/busybox");
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { Mode = (UnixFileMode)0b111_101_101, DataStream = busybox };
            await writer.WriteEntryAsync(entry);
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/sh") { LinkName = "busybox", Mode = (UnixFileMode)0b111_111_111 });
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "tmp/") { Mode = (UnixFileMode)0b1_111_111_111 });
        }

        (await engine.RunAsync("import", "-c", "ENV PATH=/bin", tarPath, Busybox)).EnsureSuccess("import busybox");
    }

    /// <summary>A context writer over a folder: what the .dockerignore-aware writer will produce, for the files given.</summary>
    public static Func<Stream, CancellationToken, Task> TarOf(string folder, params string[] files) => async (stream, ct) =>
    {
        await using var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var f in files)
        {
            await writer.WriteEntryAsync(Path.Combine(folder, f), f, ct);
        }
    };

    public static Func<Stream, CancellationToken, Task> TarOfFolder(string folder) =>
        (stream, ct) => TarFile.CreateFromDirectoryAsync(folder, stream, includeBaseDirectory: false, ct);

    /// <summary>The files under <paramref name="prefix"/> in an image, listed from a created container's export.</summary>
    public static async Task<List<string>> ListFilesAsync(EngineVariant engine, string image, string prefix)
    {
        var create = (await engine.RunAsync("create", image, "/nothing")).EnsureSuccess("create");
        var id = create.StdOut.Trim();
        using var dir = new TempDir("ctz-export");
        var tarPath = dir.Combine("fs.tar");
        try
        {
            (await engine.RunAsync("export", "-o", tarPath, id)).EnsureSuccess("export");
        }
        finally
        {
            await engine.RunAsync("rm", id);
        }

        var names = new List<string>();
        await using var file = File.OpenRead(tarPath);
        await using var reader = new TarReader(file);
        while (await reader.GetNextEntryAsync() is { } e)
        {
            var name = e.Name.TrimStart('.', '/');
            if (name.StartsWith(prefix, StringComparison.Ordinal) && e.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                names.Add(name[prefix.Length..]);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
