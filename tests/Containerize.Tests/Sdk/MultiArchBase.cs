using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// A two-platform ASP.NET Core base for multi-RID publishes, as mcr serves it: an index over the offline amd64 aspnet
/// (artifacts/base-images/aspnet, same manifest digest) and a minimal arm64 one made here from Debian's
/// busybox-static:arm64 and the NuGet runtime packs laid out as /usr/share/dotnet. Pushed to its own repository,
/// <see cref="Reference"/>, so the shared <c>dotnet/aspnet:10.0</c> other tests resolve is left alone. Built on
/// demand and cached under artifacts/multiarch-base; a second call only asks the registry.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class MultiArchBase
{
    public const string Reference = PublishLab.Registry + "/multiarch/dotnet/aspnet:10.0";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    private static string Cache => Path.Combine(RepoPaths.Root, "artifacts", "multiarch-base");

    /// <summary>Makes sure <see cref="Reference"/> is an index with linux/amd64 and linux/arm64; skips (or fails on CI) when a piece is missing.</summary>
    public static async Task EnsureAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (await IsPresentAsync()) return;
            await BuildAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<bool> IsPresentAsync()
    {
        var r = await ProcessRunner.RunAsync(Requirements.Tool("skopeo"), ["inspect", "--raw", "--tls-verify=false", "docker://" + Reference]);
        return r.ExitCode == 0 && r.StdOut.Contains(MediaTypes.OciIndex, StringComparison.Ordinal) && r.StdOut.Contains("\"arm64\"", StringComparison.Ordinal);
    }

    private static async Task BuildAsync()
    {
        var amd64Layout = Path.Combine(RepoPaths.Root, "artifacts", "base-images", "aspnet");
        if (!File.Exists(Path.Combine(amd64Layout, "index.json"))) Requirements.Missing("the offline aspnet base in artifacts/base-images (bash eng/setup builds it)");
        var runtime = Directory.GetDirectories("/usr/share/dotnet/shared/Microsoft.NETCore.App").Select(Path.GetFileName).Order().Last()!;
        Directory.CreateDirectory(Cache);

        var deb = await BusyboxDebAsync();
        var packs = await RuntimePacksAsync(runtime);
        var rootfs = Path.Combine(Cache, "rootfs-arm64");
        if (Directory.Exists(rootfs)) Directory.Delete(rootfs, recursive: true);
        Directory.CreateDirectory(rootfs);
        (await ProcessRunner.RunAsync("dpkg-deb", ["-x", deb, rootfs])).EnsureSuccess("dpkg-deb -x busybox-static:arm64");
        foreach (var dir in new[] { "usr/share/doc", "usr/share/man" }) if (Directory.Exists(Path.Combine(rootfs, dir))) Directory.Delete(Path.Combine(rootfs, dir), true);

        // The applets of the host's busybox (the same Debian version): it cannot run the arm64 one to ask it.
        var applets = (await ProcessRunner.RunAsync("/bin/busybox", ["--list-full"])).EnsureSuccess("busybox --list-full").StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var applet in applets.Where(a => a != "bin/busybox"))
        {
            var link = Path.Combine(rootfs, applet);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            if (!Path.Exists(link)) File.CreateSymbolicLink(link, "/bin/busybox");
        }

        Directory.CreateDirectory(Path.Combine(rootfs, "etc"));
        await File.WriteAllTextAsync(Path.Combine(rootfs, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1654:1654::/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        await File.WriteAllTextAsync(Path.Combine(rootfs, "etc", "group"), "root:x:0:\napp:x:1654:\nnogroup:x:65534:\n");
        var home = Directory.CreateDirectory(Path.Combine(rootfs, "home", "app")).FullName;
        File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        (await ProcessRunner.RunAsync("chown", ["1654:1654", home])).EnsureSuccess("chown the app home");
        var tmp = Directory.CreateDirectory(Path.Combine(rootfs, "tmp")).FullName;
        File.SetUnixFileMode(tmp, (UnixFileMode)Convert.ToInt32("1777", 8));

        // /usr/share/dotnet as the runtime and aspnet images lay it out, from the runtime packs.
        var dotnet = Path.Combine(rootfs, "usr", "share", "dotnet");
        var netcore = Path.Combine(packs, "microsoft.netcore.app.runtime.linux-arm64", runtime, "runtimes", "linux-arm64");
        var aspnet = Path.Combine(packs, "microsoft.aspnetcore.app.runtime.linux-arm64", runtime, "runtimes", "linux-arm64");
        CopyFiles(Path.Combine(netcore, "lib", "net10.0"), Path.Combine(dotnet, "shared", "Microsoft.NETCore.App", runtime));
        CopyFiles(Path.Combine(netcore, "native"), Path.Combine(dotnet, "shared", "Microsoft.NETCore.App", runtime));
        File.Move(Path.Combine(dotnet, "shared", "Microsoft.NETCore.App", runtime, "libhostfxr.so"), Path.Combine(Directory.CreateDirectory(Path.Combine(dotnet, "host", "fxr", runtime)).FullName, "libhostfxr.so"));
        CopyFiles(Path.Combine(aspnet, "lib", "net10.0"), Path.Combine(dotnet, "shared", "Microsoft.AspNetCore.App", runtime));

        var store = await OciLayoutStore.OpenOrCreateAsync(Path.Combine(Cache, "store"));
        var arm64 = await new RootfsImporter(store) { Platform = Platform.LinuxArm64 }.ImportAsync(rootfs,
            [$"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true DOTNET_VERSION={runtime} ASPNET_VERSION={runtime}",
             "CMD [\"sh\"]"]);
        var amd64 = (await new ImageImporter(store).ImportAsync(ImageLocation.Parse($"oci-layout://{amd64Layout}:10.0"))).Manifest;
        var index = await ImageIndexWriter.WriteAsync(store,
            [amd64 with { Platform = Platform.LinuxAmd64, Annotations = null }, arm64 with { Platform = Platform.LinuxArm64, Annotations = null }]);
        var reference = ImageReference.Parse(Reference);
        await store.TagAsync(reference, index);
        using var client = new RegistryClient(new RegistryOptions { Sink = new CollectingSink() });
        await new ImagePusher(client, store).PushAsync(reference, reference);
    }

    private static async Task<string> BusyboxDebAsync()
    {
        var existing = Directory.GetFiles(Cache, "busybox-static_*_arm64.deb").FirstOrDefault();
        if (existing is not null) return existing;
        var arches = (await ProcessRunner.RunAsync("dpkg", ["--print-foreign-architectures"])).StdOut;
        if (!arches.Contains("arm64", StringComparison.Ordinal))
        {
            Requirements.RequireRoot("dpkg --add-architecture arm64 to download busybox-static:arm64");
            (await ProcessRunner.RunAsync("dpkg", ["--add-architecture", "arm64"])).EnsureSuccess("dpkg --add-architecture arm64");
            await ProcessRunner.RunAsync("apt-get", ["update", "-qq"], timeout: TimeSpan.FromMinutes(5));
        }

        var r = await ProcessRunner.RunAsync("apt-get", ["download", "busybox-static:arm64"], Cache, timeout: TimeSpan.FromMinutes(3));
        if (r.ExitCode != 0)
        {
            // The lists may predate the architecture: once more after an update.
            await ProcessRunner.RunAsync("apt-get", ["update", "-qq"], timeout: TimeSpan.FromMinutes(5));
            r = await ProcessRunner.RunAsync("apt-get", ["download", "busybox-static:arm64"], Cache, timeout: TimeSpan.FromMinutes(3));
        }

        var deb = Directory.GetFiles(Cache, "busybox-static_*_arm64.deb").FirstOrDefault();
        if (deb is null) Requirements.Missing($"busybox-static:arm64 could not be downloaded from the Debian mirror: {r.StdOut}{r.StdErr}");
        return deb;
    }

    /// <summary>The arm64 runtime packs of the host's runtime version, restored from the NuGet feed into the cache.</summary>
    private static async Task<string> RuntimePacksAsync(string runtime)
    {
        var packages = Path.Combine(Cache, "packages");
        if (Directory.Exists(Path.Combine(packages, "microsoft.aspnetcore.app.runtime.linux-arm64", runtime))) return packages;
        var project = Path.Combine(Cache, "packs");
        Directory.CreateDirectory(project);
        await File.WriteAllTextAsync(Path.Combine(project, "packs.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework><RuntimeIdentifier>linux-arm64</RuntimeIdentifier><SelfContained>true</SelfContained></PropertyGroup>
            </Project>
            """);
        File.Copy(Path.Combine(RepoPaths.Root, "nuget.config"), Path.Combine(project, "nuget.config"), overwrite: true);
        var r = await ProcessRunner.RunAsync("dotnet", ["restore", project, "-nologo", "--packages", packages], project,
            new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" }, timeout: TimeSpan.FromMinutes(5));
        if (r.ExitCode != 0 || !Directory.Exists(Path.Combine(packages, "microsoft.aspnetcore.app.runtime.linux-arm64", runtime)))
        {
            Requirements.Missing($"the linux-arm64 runtime packs {runtime} could not be restored from the NuGet feed: {r.StdOut}");
        }

        return packages;
    }

    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
    }
}
