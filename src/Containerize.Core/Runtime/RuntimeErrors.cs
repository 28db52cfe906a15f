namespace Containerize.Core.Runtime;

/// <summary>CTZ5500-CTZ5699: running RUN steps in runc. docs/errors.md lists each code with its hint.</summary>
public static class RuntimeErrors
{
    /// <summary>runc is not installed or not executable.</summary>
    public const string RuncNotFound = "CTZ5501";

    /// <summary>The RUN command exited with a non-zero code.</summary>
    public const string CommandFailed = "CTZ5502";

    /// <summary>runc could not create or start the container (bad config, missing kernel feature).</summary>
    public const string RuncFailed = "CTZ5503";

    /// <summary>USER names a user that the image's /etc/passwd does not have.</summary>
    public const string UnknownUser = "CTZ5504";

    /// <summary>USER names a group that the image's /etc/group does not have.</summary>
    public const string UnknownGroup = "CTZ5505";

    /// <summary>The overlay filesystem for the step's rootfs could not be mounted.</summary>
    public const string OverlayFailed = "CTZ5506";

    /// <summary>A RUN --mount is invalid: relative target, unknown sharing mode, a bad size.</summary>
    public const string InvalidMount = "CTZ5507";

    /// <summary>A secret's source file does not exist.</summary>
    public const string SecretNotFound = "CTZ5508";

    /// <summary>A bind mount's source (or its sub-path) does not exist or leaves its folder.</summary>
    public const string BindSourceNotFound = "CTZ5509";

    /// <summary>A layer tar could not be extracted (unsafe path, malformed entry).</summary>
    public const string LayerExtractFailed = "CTZ5510";

    /// <summary>Rootless mode cannot do what the step asks (a non-root USER without subordinate ids).</summary>
    public const string RootlessUnsupported = "CTZ5511";

    /// <summary>The RUN request is malformed: no arguments, a relative working directory.</summary>
    public const string InvalidRequest = "CTZ5512";

    /// <summary>The filesystem difference of the step could not be computed.</summary>
    public const string DiffFailed = "CTZ5513";

    /// <summary>containerize rm: the container still runs (use -f, or stop it first).</summary>
    public const string ContainerRunning = "CTZ5514";

    /// <summary>containerize run --name: the name is invalid or another container has it.</summary>
    public const string ContainerNameInUse = "CTZ5515";

    /// <summary>No container has this id, id prefix or name (or a prefix matches several).</summary>
    public const string NoSuchContainer = "CTZ5516";

    /// <summary>Publishing ports or a container network needs slirp4netns (or the tun device), which is missing.</summary>
    public const string NetworkToolMissing = "CTZ5520";

    /// <summary>A -p value docker would reject, or one slirp4netns cannot publish (sctp, an IPv6 host address).</summary>
    public const string InvalidPortSpec = "CTZ5521";

    /// <summary>The host port of a -p is taken by another program or container.</summary>
    public const string PortAllocated = "CTZ5522";

    /// <summary>slirp4netns could not set up the container's network or publish a port.</summary>
    public const string NetworkSetupFailed = "CTZ5523";

    /// <summary>containerize port: the container publishes no such port.</summary>
    public const string NoSuchPort = "CTZ5524";

    /// <summary>Warning: -p or -P with --network host or none publishes nothing (as docker warns).</summary>
    public const string PortsDiscarded = "CTZ5525";
}
