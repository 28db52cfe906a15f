using System.Runtime.Versioning;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building.Differential;

/// <summary>
/// Our store and Docker 26, both holding the same busybox and debian bases (artifacts/base-images, loaded into Docker 26
/// from docker-archives our CLI writes, so both start from the same image IDs), and the corpus context.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class DifferentialLab : IDisposable
{
    private readonly TempDir _temp = new("ctz-diff");
    private readonly Dictionary<string, ImageArchive> _ours = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _contexts = new(StringComparer.Ordinal);

    private DifferentialLab(string docker) => Docker = docker;

    public string Docker { get; }

    public string Temp => _temp.Path;

    public string Store => _temp.Combine("store");

    public string RuntimeRoot => _temp.Combine("runtime");

    public string Context => _temp.Combine("ctx");

    public static async Task<DifferentialLab> CreateAsync()
    {
        Requirements.RequireRoot("RUN steps of the corpus chown files and run as other users");
        Requirements.Tool("runc");
        var docker = DockerEngines.Docker26();
        var lab = new DifferentialLab(docker);
        try
        {
            await DifferentialCorpus.EnsureBaseInDockerAsync(docker, lab.Temp, lab.Store, all: true);
            await DifferentialCorpus.WriteContextAsync(lab.Context);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The context a corpus file builds from: the shared one, or its own, made once per run from its `# context:`
    /// lines (<see cref="DifferentialCorpus.ContextCommandsOf"/>).
    /// </summary>
    public async Task<string> ContextOfAsync(string name)
    {
        if (DifferentialCorpus.ContextCommandsOf(name).Count == 0) return Context;
        if (_contexts.TryGetValue(name, out var known)) return known;
        await DifferentialCorpus.RequireLabRegistryAsync(name);
        var dir = _temp.Combine("ctx-" + name);
        await DifferentialCorpus.WriteOwnContextAsync(name, dir);
        return _contexts[name] = dir;
    }

    /// <summary>Our engine's image of a corpus Dockerfile (built once per run), as exported by `containerize save`.</summary>
    public async Task<ImageArchive> OursAsync(string name)
    {
        if (_ours.TryGetValue(name, out var known)) return known;
        var tag = $"ctz-diff/{name}:builtin";
        var build = await CliRunner.RunAsync(Temp, ["build", "--store", Store, "--runtime-root", RuntimeRoot, .. DifferentialCorpus.BuildArgWords(name),
            "-f", DifferentialCorpus.DockerfileOf(name), "-t", tag, await ContextOfAsync(name)]);
        Assert.AreEqual(0, build.ExitCode, $"containerize build {name}:\n{build.StdErr}\n{build.StdOut}");
        var archive = _temp.Combine(name + ".builtin.tar");
        var save = await CliRunner.RunAsync(Temp, "save", tag, "-o", "docker-archive:" + archive, "--store", Store);
        Assert.AreEqual(0, save.ExitCode, save.StdErr);
        return _ours[name] = await ImageArchive.ReadAsync(archive);
    }

    public async Task<ImageArchive> SaveFromDockerAsync(string tag)
    {
        var archive = _temp.Combine(tag.Replace('/', '_').Replace(':', '_') + ".tar");
        (await ProcessRunner.RunAsync(Docker, ["save", "-o", archive, tag], timeout: TimeSpan.FromMinutes(3))).EnsureSuccess("docker save " + tag);
        return await ImageArchive.ReadAsync(archive);
    }

    public void Dispose() => _temp.Dispose();
}
