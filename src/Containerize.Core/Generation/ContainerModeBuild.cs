
namespace Containerize.Core.Generation;

/// <summary>
/// What a Container-mode build of the generated Dockerfile needs besides the context: the secrets and named build
/// contexts its restore step mounts. The MSBuild side maps these onto the engine's BuildRequest (Secrets, NamedContexts).
/// </summary>
public static class ContainerModeBuild
{
    /// <summary>The secret id of the CA bundle mounted over the SDK image's certificates for restore.</summary>
    public const string CaBundleSecretId = "ca-bundle";

    /// <summary>Where the CA bundle goes in the SDK image (Debian's and Alpine's bundle path).</summary>
    public const string CaBundleTarget = "/etc/ssl/certs/ca-certificates.crt";

    /// <summary>The named build context (and empty stand-in stage) of ContainerRestoreLocalSource.</summary>
    public const string LocalPackagesContext = "containerize-packages";

    /// <summary>Where restore sees the local package folder.</summary>
    public const string LocalPackagesTarget = "/containerize-packages";

    /// <summary>The host's CA bundle on Debian and Ubuntu, the default source of the ca-bundle secret.</summary>
    public const string HostCaBundle = "/etc/ssl/certs/ca-certificates.crt";

    /// <summary>Named contexts the Dockerfile expects: the local package folder when ContainerRestoreLocalSource is set.</summary>
    public static IReadOnlyDictionary<string, string> NamedContexts(ProjectModel project) =>
        string.IsNullOrEmpty(project.Container.ContainerRestoreLocalSource)
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal) { [LocalPackagesContext] = Path.GetFullPath(project.Container.ContainerRestoreLocalSource, Path.GetDirectoryName(project.ProjectPath)!) };

    /// <summary>Secrets the Dockerfile mounts: the CA bundle when ContainerRestoreCaBundleSecret is set and the host has one.</summary>
    public static IReadOnlyDictionary<string, string> Secrets(ProjectModel project, string hostCaBundle = HostCaBundle) =>
        project.Container.ContainerRestoreCaBundleSecret && File.Exists(hostCaBundle)
            ? new Dictionary<string, string>(StringComparer.Ordinal) { [CaBundleSecretId] = hostCaBundle }
            : new Dictionary<string, string>(StringComparer.Ordinal);
}
