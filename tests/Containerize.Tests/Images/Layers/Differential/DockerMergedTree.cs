using System.Security.Cryptography;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Layers.Differential;

/// <summary>
/// Docker 26's merged tree of a docker-archive: `docker load`, `docker create` (overlay2 applies each layer into its
/// own folder and mounts them), `docker export` of the container. The image and container are removed afterwards,
/// since the daemon is shared.
/// </summary>
internal static class DockerMergedTree
{
    /// <summary>What `docker create` adds to every root, which no layer holds.</summary>
    public static bool AddedByDocker(string path) =>
        path is ".dockerenv" or "etc/hosts" or "etc/hostname" or "etc/resolv.conf" or "etc/mtab" or "dev" or "proc" or "sys"
        || path.StartsWith("dev/", StringComparison.Ordinal) || path.StartsWith("proc/", StringComparison.Ordinal) || path.StartsWith("sys/", StringComparison.Ordinal);

    public static async Task<FileTree> ExportAsync(IReadOnlyList<byte[]> layers)
    {
        var docker = DockerEngines.Docker26();
        using var temp = new TempDir("ctz-layers-docker");
        var tag = "ctz-layers-diff:" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var archive = temp.Combine("image.tar");
        await DockerArchiveFile.WriteAsync(archive, tag, layers);
        (await ProcessRunner.RunAsync(docker, ["load", "-i", archive])).EnsureSuccess("docker load");
        string? container = null;
        try
        {
            var created = (await ProcessRunner.RunAsync(docker, ["create", tag])).EnsureSuccess("docker create");
            container = created.StdOut.Trim();
            var export = temp.Combine("export.tar");
            (await ProcessRunner.RunAsync(docker, ["export", "-o", export, container])).EnsureSuccess("docker export");
            await using var stream = File.OpenRead(export);
            return await FileTree.FromTarAsync(stream);
        }
        finally
        {
            if (container is not null) await ProcessRunner.RunAsync(docker, ["rm", "-f", container]);
            await ProcessRunner.RunAsync(docker, ["rmi", "-f", tag]);
        }
    }
}
