using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;
using Containerize.Core.Os;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Os;

/// <summary>
/// The one program lookup, under each OS's rules: Windows' forced from Linux CI with <see cref="HostRules.Use"/> over a
/// temp folder tree used as PATH.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ExecutableLookupTests
{
    private static string Touch(TempDir dir, string relative, UnixFileMode mode = (UnixFileMode)0x1ed)
    {
        var path = dir.Write(relative, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private static Func<string, string?> Env(params (string Name, string? Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [TestMethod]
    public void ExecutableLookup_WindowsFindsDockerExeThroughPathextOnASemicolonPath()
    {
        using var dir = new TempDir("ctz-lookup");
        Directory.CreateDirectory(dir.Combine("empty"));
        // Windows needs no execute bit: the file is found by its extension alone.
        var docker = Touch(dir, "Docker Tools/docker.EXE", (UnixFileMode)0x1a4);
        Touch(dir, "other/docker"); // no extension: Windows never runs it, whatever its mode
        var path = $" \"{dir.Combine("empty")}\" ;;{dir.Combine("other")};\"{dir.Combine("Docker Tools")}\";";
        using (HostRules.Use(HostRules.Windows))
        {
            CollectionAssert.AreEqual(new[] { dir.Combine("empty"), dir.Combine("other"), dir.Combine("Docker Tools") }, ExecutableLookup.SplitPath(path).ToArray());
            Assert.AreEqual(docker, ExecutableLookup.Find("docker", new ExecutableSearch { SearchPath = path, Environment = Env() }), "default PATHEXT");
            Assert.AreEqual(docker, ExecutableLookup.Find("DOCKER", new ExecutableSearch { SearchPath = path, Environment = Env(("PATHEXT", ".exe")) }), "any case");
            Assert.AreEqual(docker, ExecutableLookup.Find("docker.exe", new ExecutableSearch { SearchPath = path, Environment = Env() }), "a name with its extension");
            Assert.IsNull(ExecutableLookup.Find("docker", new ExecutableSearch { SearchPath = path, Environment = Env(("PATHEXT", ".CMD;.BAT")) }), "PATHEXT without .EXE");

            // The engine locator goes through the same lookup.
            var candidates = EngineLocator.Candidates("docker", new EngineLocatorOptions { SearchPath = path }, []);
            CollectionAssert.AreEqual(new[] { docker }, candidates.ToArray());
        }

        // Unix rules split on ':' and take no extension: the same PATH finds only the extensionless program.
        Assert.AreEqual(dir.Combine("other", "docker"), ExecutableLookup.Find("docker", new ExecutableSearch { SearchPath = $"{dir.Combine("empty")}:{dir.Combine("other")}", Environment = Env() }));
    }

    [TestMethod]
    public void ExecutableLookup_PathextOrderDecidesAndDefaultsWhenUnset()
    {
        using var dir = new TempDir("ctz-lookup");
        var cmd = Touch(dir, "bin/docker-credential-wincred.cmd");
        var exe = Touch(dir, "bin/docker-credential-wincred.exe");
        using (HostRules.Use(HostRules.Windows))
        {
            CollectionAssert.AreEqual(new[] { ".COM", ".EXE", ".BAT", ".CMD" }, ExecutableLookup.Extensions(null).ToArray());
            CollectionAssert.AreEqual(new[] { ".CMD", ".EXE" }, ExecutableLookup.Extensions(" .CMD ; EXE ;;.cmd").ToArray());
            Assert.AreEqual(exe, ExecutableLookup.Find("docker-credential-wincred", new ExecutableSearch { SearchPath = dir.Combine("bin"), Environment = Env() }));
            Assert.AreEqual(cmd, ExecutableLookup.Find("docker-credential-wincred", new ExecutableSearch { SearchPath = dir.Combine("bin"), Environment = Env(("PATHEXT", ".CMD;.EXE")) }));
        }
    }

    [TestMethod]
    public void ExecutableLookup_UnixSkipsAFileWithoutAnExecuteBit()
    {
        using var dir = new TempDir("ctz-lookup");
        Touch(dir, "a/docker", (UnixFileMode)0x1a4); // 0644
        var linked = dir.Combine("b", "docker");
        Directory.CreateDirectory(dir.Combine("b"));
        File.CreateSymbolicLink(linked, dir.Combine("a", "docker")); // a link counts by its target's mode
        var real = Touch(dir, "c/docker", UnixFileMode.UserRead | UnixFileMode.UserExecute);
        Directory.CreateDirectory(dir.Combine("d", "docker")); // a folder of that name is no program
        var path = string.Join(':', dir.Combine("d"), dir.Combine("a"), "", dir.Combine("b"), dir.Combine("c"));
        Assert.AreEqual(real, ExecutableLookup.Find("docker", new ExecutableSearch { SearchPath = path, Environment = Env() }));
        CollectionAssert.AreEqual(new[] { real }, ExecutableLookup.FindAll("docker", new ExecutableSearch { SearchPath = path, Environment = Env() }).ToArray());

        File.SetUnixFileMode(dir.Combine("a", "docker"), (UnixFileMode)0x1e4); // 0744
        CollectionAssert.AreEqual(new[] { dir.Combine("a", "docker"), linked, real }, ExecutableLookup.FindAll("docker", new ExecutableSearch { SearchPath = path, Environment = Env() }).ToArray());
        Assert.IsNull(ExecutableLookup.Find(dir.Combine("d", "docker")), "a path to a folder");
        Assert.AreEqual(real, ExecutableLookup.Find(dir.Combine("c", "docker")), "a path is taken as it is");
    }

    [TestMethod]
    public void ExecutableLookup_InstallFoldersAreTriedWhenPathLacksTheTool()
    {
        using var dir = new TempDir("ctz-lookup");
        Directory.CreateDirectory(dir.Combine("empty"));
        var desktop = Touch(dir, "Program Files/Docker/Docker/resources/bin/docker.exe");
        var podman = Touch(dir, "Program Files/RedHat/Podman/podman.exe");
        var env = Env(("PATH", dir.Combine("empty")), ("ProgramFiles", dir.Combine("Program Files")));
        using (HostRules.Use(HostRules.Windows))
        {
            var search = new ExecutableSearch { Environment = env, Fallbacks = ExecutableLookup.ContainerToolFolders(env) };
            Assert.AreEqual(desktop, ExecutableLookup.Find("docker", search));
            Assert.AreEqual(podman, ExecutableLookup.Find("podman", search));
            Assert.IsNull(ExecutableLookup.Find("docker", search with { Fallbacks = [] }), "PATH alone lacks it");
        }

        // macOS: Docker Desktop's ~/.docker/bin (its symlinks for a user install).
        var home = Touch(dir, "home/.docker/bin/docker");
        using (HostRules.Use(HostRules.MacOS))
        {
            var macEnv = Env(("PATH", dir.Combine("empty")), ("HOME", dir.Combine("home")));
            var folders = ExecutableLookup.ContainerToolFolders(macEnv);
            CollectionAssert.Contains(folders.ToList(), "/Applications/Docker.app/Contents/Resources/bin");
            CollectionAssert.Contains(folders.ToList(), "/opt/podman/bin");
            Assert.AreEqual(home, ExecutableLookup.Find("docker", new ExecutableSearch { Environment = macEnv, Fallbacks = folders }));
        }
    }

    [TestMethod]
    public async Task ExecutableLookup_EngineLocatorProbesDockerDesktopsClientWhenPathLacksIt()
    {
        using var dir = new TempDir("ctz-lookup");
        Directory.CreateDirectory(dir.Combine("empty"));
        // A client that answers 'docker version' without a server, as Docker Desktop's does while its VM is stopped.
        var desktop = dir.Write("pf/Docker/Docker/resources/bin/docker.exe", "#!/bin/sh\necho '26.1.0|'\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n");
        File.SetUnixFileMode(desktop, (UnixFileMode)0x1ed);
        var environment = new Dictionary<string, string?> { ["PATH"] = dir.Combine("empty"), ["ProgramFiles"] = dir.Combine("pf"), ["DOCKER_HOST"] = "npipe:////./pipe/docker_engine" };
        using (HostRules.Use(HostRules.Windows))
        {
            var sink = new CollectingSink();
            var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => EngineLocator.FindAsync(EngineKind.Docker, new EngineLocatorOptions { Environment = environment }, sink, CancellationToken.None));
            Assert.AreEqual(HandoffErrors.DaemonUnreachable, e.Code, e.Diagnostic.ToDisplayString());
            Assert.IsTrue(sink.Messages.Any(m => m.StartsWith($"probed {desktop}: client 26.1.0", StringComparison.Ordinal)), string.Join("\n", sink.Messages));

            // A caller that gives its own PATH means exactly that one: no install folders.
            var none = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => EngineLocator.FindAsync(EngineKind.Docker,
                new EngineLocatorOptions { Environment = environment, SearchPath = dir.Combine("empty") }, new CollectingSink(), CancellationToken.None));
            Assert.AreEqual(HandoffErrors.ClientNotFound, none.Code);
        }
    }

    [TestMethod]
    public void ExecutableLookup_UnixKeepsQuotesIgnoresPathextAndNeedsTheExactName()
    {
        using var dir = new TempDir("ctz-lookup");
        var quoted = dir.Combine("\"q\"");
        Directory.CreateDirectory(quoted);
        var tool = Touch(dir, "\"q\"/tool");
        Touch(dir, "bin/docker.exe");
        using (HostRules.Use(new HostRules(HostOs.Linux, true)))
        {
            // On Unix a quote is a name character and ';' is no separator.
            CollectionAssert.AreEqual(new[] { quoted, " x;y" }, ExecutableLookup.SplitPath($"{quoted}:: x;y").ToArray());
            Assert.AreEqual(tool, ExecutableLookup.Find("tool", new ExecutableSearch { SearchPath = quoted, Environment = Env() }));
            Assert.IsNull(ExecutableLookup.Find("docker", new ExecutableSearch { SearchPath = dir.Combine("bin"), Environment = Env(("PATHEXT", ".EXE")) }),
                "PATHEXT means nothing on Unix");
            Assert.IsNull(ExecutableLookup.Find("", new ExecutableSearch { SearchPath = dir.Combine("bin"), Environment = Env() }));
        }
    }

    [TestMethod]
    public void ExecutableLookup_APathIsCheckedAsGivenNeverSearched()
    {
        using var dir = new TempDir("ctz-lookup");
        var here = Touch(dir, "a/tool");
        Touch(dir, "b/tool");
        using (HostRules.Use(new HostRules(HostOs.Linux, true)))
        {
            var search = new ExecutableSearch { SearchPath = dir.Combine("b"), Environment = Env() };
            Assert.AreEqual(here, ExecutableLookup.Find(here, search));
            Assert.IsNull(ExecutableLookup.Find(dir.Combine("c", "tool"), search), "a missing path is not looked for on PATH");
            CollectionAssert.AreEqual(new[] { here }, ExecutableLookup.FindAll(here, search).ToArray());
        }

        using (HostRules.Use(HostRules.Windows))
        {
            var exe = Touch(dir, "w/tool.cmd", (UnixFileMode)0x1a4);
            Assert.AreEqual(exe, ExecutableLookup.Find(dir.Combine("w", "tool"), new ExecutableSearch { SearchPath = "", Environment = Env() }),
                "a path takes PATHEXT on Windows");
        }
    }

    [TestMethod]
    public void ExecutableLookup_TheEnvironmentsPathIsUsedWhenNoneIsGivenAndEachFolderOnce()
    {
        using var dir = new TempDir("ctz-lookup");
        var tool = Touch(dir, "env/tool");
        using (HostRules.Use(new HostRules(HostOs.Linux, true)))
        {
            var search = new ExecutableSearch { Environment = Env(("PATH", dir.Combine("env") + ":" + dir.Combine("env"))) };
            CollectionAssert.AreEqual(new[] { tool }, ExecutableLookup.FindAll("tool", search).ToArray(), "found through the environment's PATH, once");
            var withFallback = search with { Fallbacks = [dir.Combine("env")] };
            CollectionAssert.AreEqual(new[] { tool }, ExecutableLookup.FindAll("tool", withFallback).ToArray(), "a fallback already on PATH is not searched twice");
        }
    }

    [TestMethod]
    public void ExecutableLookup_PathextWithoutDotsOrEmptyFallsBackSensibly()
    {
        CollectionAssert.AreEqual(new[] { ".COM", ".EXE", ".BAT", ".CMD" }, ExecutableLookup.Extensions(null).ToArray());
        CollectionAssert.AreEqual(new[] { ".COM", ".EXE", ".BAT", ".CMD" }, ExecutableLookup.Extensions(" ; ;").ToArray(), "nothing usable: the default");
        CollectionAssert.AreEqual(new[] { ".exe", ".PS1" }, ExecutableLookup.Extensions("exe;.exe;.EXE; .PS1 ").ToArray());
    }
}
