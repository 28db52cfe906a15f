using System.Runtime.Versioning;
using System.Security.Cryptography;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Tests.Images.Layers;
using Containerize.Tests.Images.Layers.Breakouts;
using Containerize.Tests.Infrastructure;
using Containerize.Tests.Runtime;

namespace Containerize.Tests.Building.Hostile;

/// <summary>What the CLI printed and returned, in process (root) or as nobody (rootless).</summary>
internal sealed record CliOutcome(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StdOut}\nstderr:\n{StdErr}";
}

/// <summary>
/// One hostile image used by the engine, inside a breakout <see cref="Sandbox"/>: the sandbox's root is the
/// engine's whole workspace (the image as an OCI layout, the store, the runtime folder, the build context, the
/// outputs, HOME), and the canaries beside it stand for the host. The layers point at the canary folder by its
/// host path, so an unpacker that followed a link on the host would write, delete or link there, and
/// <see cref="Sandbox.Changes"/> would list it. Rootless, the workspace and the canary folder belong to nobody,
/// so that such an unpacker would have the rights to change them.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class HostileImageLab : IDisposable
{
    public const string ImageTag = "hostile";
    public const string OutputTag = "e2e";
    private const int Nobody = 65534;

    /// <summary>The busybox base, written once per test run: the hostile layers go on top of it.</summary>
    private static readonly Lazy<Task<(LayerResult Layer, byte[] Blob)>> BusyboxLayer = new(async () =>
    {
        using var temp = new TempDir("ctz-hostile-base");
        var rootfs = await BusyboxRootfs.CreateAsync(temp.Combine("rootfs"));
        return await LayerTestSupport.WriteAsync(LayerSource.FromDirectory(rootfs));
    });

    private readonly Sandbox _sandbox;
    private readonly bool _rootless;

    private HostileImageLab(Sandbox sandbox, HostileImageCase hostile, bool rootless)
    {
        _sandbox = sandbox;
        _rootless = rootless;
        Case = hostile;
    }

    public HostileImageCase Case { get; }

    /// <summary>The host folder every hostile link aims at (files, modes and an old mtime: <see cref="Sandbox"/>).</summary>
    public string Canary => Path.Combine(_sandbox.Folder, "canary-dir");

    public string Workspace => _sandbox.Root;

    public string Layout => Path.Combine(Workspace, "layout");

    public string Output => Path.Combine(Workspace, "out");

    /// <summary>The FROM / run reference of the hostile image.</summary>
    public string Image => $"oci-layout://{Layout}:{ImageTag}";

    /// <summary>The digest of each hostile layer (plain tars: digest and diff_id are the same), lowest first.</summary>
    public IReadOnlyList<string> LayerDigests { get; private set; } = [];

    public static async Task<HostileImageLab> CreateAsync(HostileImageCase hostile, bool rootless)
    {
        Requirements.Tool("runc");
        Requirements.Tool("umoci");
        Requirements.RequireRoot(rootless ? "runuser to become nobody, and umoci to unpack with owners" : "runc with namespaces and overlay mounts");
        if (rootless) Requirements.Tool("runuser");
        var lab = new HostileImageLab(Sandbox.Create("ctz-hostile"), hostile, rootless);
        try
        {
            await lab.WriteImageAsync();
            Directory.CreateDirectory(Path.Combine(lab.Workspace, "ctx"));
            Directory.CreateDirectory(Path.Combine(lab.Workspace, "home"));
            if (rootless) await lab.HandToNobodyAsync();
            lab._sandbox.Seal();
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary><c>{canary}</c>: the canary folder's host path; <c>{up}</c>: forty '..', more than any folder is deep.</summary>
    public string Expand(string s) =>
        s.Replace("{canary}", Canary, StringComparison.Ordinal).Replace("{up}", string.Join('/', Enumerable.Repeat("..", 40)), StringComparison.Ordinal);

    private async Task WriteImageAsync()
    {
        var layers = new List<(LayerResult, byte[])> { await BusyboxLayer.Value };
        foreach (var entries in Case.Layers)
        {
            var tar = BreakoutTar.Build(entries, Expand);
            var digest = Digest.Sha256(tar);
            layers.Add((new LayerResult(new Descriptor { MediaType = MediaTypes.OciLayer, Digest = digest, Size = tar.Length }, digest, tar.Length), tar));
        }

        LayerDigests = [.. layers.Skip(1).Select(l => l.Item1.DiffId.ToString())];
        await OciLayoutForTests.WriteAsync(Layout, ImageTag, layers);
    }

    private async Task HandToNobodyAsync()
    {
        // The moat's top is a 0700 temp folder; nobody must reach the workspace under it.
        File.SetUnixFileMode(_sandbox.Top, (UnixFileMode)0x1ED);
        foreach (var owned in new[] { Workspace, Canary })
        {
            (await ProcessRunner.RunAsync("chown", ["-R", $"{Nobody}:{Nobody}", owned])).EnsureSuccess("chown " + owned);
        }
    }

    /// <summary>containerize build of a Dockerfile in the workspace's context, exported as an OCI layout to <see cref="Output"/>.</summary>
    public Task<CliOutcome> BuildAsync(string dockerfile)
    {
        File.WriteAllText(Path.Combine(Workspace, "ctx", "Dockerfile"), dockerfile);
        if (_rootless) File.SetUnixFileMode(Path.Combine(Workspace, "ctx", "Dockerfile"), (UnixFileMode)0x1A4);
        return CliAsync("build", "--store", Path.Combine(Workspace, "store"), "--runtime-root", Path.Combine(Workspace, "runtime"),
            "-t", "ctz-hostile:" + OutputTag, "--output", "oci-layout:" + Output, Path.Combine(Workspace, "ctx"));
    }

    /// <summary>containerize run of the hostile image with a shell script.</summary>
    public Task<CliOutcome> RunAsync(string script) =>
        CliAsync("run", "--store", Path.Combine(Workspace, "store"), "--runtime-root", Path.Combine(Workspace, "runtime"), "--network", "none", Image, "sh", "-c", script);

    private async Task<CliOutcome> CliAsync(params string[] args)
    {
        if (!_rootless)
        {
            var r = await CliRunner.RunAsync(Workspace, args);
            return new CliOutcome(r.ExitCode, r.StdOut, r.StdErr);
        }

        var home = Path.Combine(Workspace, "home");
        var cli = typeof(Containerize.Cli.CliApp).Assembly.Location;
        var dotnet = Requirements.FindOnPath("dotnet") ?? "/usr/bin/dotnet";
        var p = await ProcessRunner.RunAsync(Requirements.Tool("runuser"),
            ["-u", "nobody", "--", "env", $"HOME={home}", $"DOTNET_CLI_HOME={home}", "DOTNET_NOLOGO=1", dotnet, cli, .. args],
            workingDirectory: Workspace, timeout: TimeSpan.FromMinutes(3));
        return new CliOutcome(p.ExitCode, p.StdOut, p.StdErr);
    }

    /// <summary>umoci, not our reader, unpacks the built image; returns its rootfs.</summary>
    public async Task<string> UnpackOutputAsync()
    {
        var rootfs = Path.Combine(Workspace, "unpacked-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        (await ProcessRunner.RunAsync(Requirements.Tool("umoci"), ["raw", "unpack", "--image", $"{Output}:{OutputTag}", rootfs]))
            .EnsureSuccess("umoci raw unpack");
        return rootfs;
    }

    /// <summary>Every change beside the workspace: the canaries, the moat, the sandbox folder.</summary>
    public List<string> HostChanges() => _sandbox.Changes();

    public void Dispose() => _sandbox.Dispose();
}
