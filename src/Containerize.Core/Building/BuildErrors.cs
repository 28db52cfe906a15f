namespace Containerize.Core.Building;

/// <summary>CTZ5000-5499: the layer-by-layer build engine. docs/errors.md lists each with its hint.</summary>
public static class BuildErrors
{
    /// <summary>A COPY/ADD source names nothing in the context (or the source stage).</summary>
    public const string SourceNotFound = "CTZ5001";

    /// <summary>A FROM image is neither a stage, nor in the store, nor pullable.</summary>
    public const string BaseImageNotFound = "CTZ5002";

    /// <summary>A RUN step failed; the message has the step, the command, its exit code and output tail.</summary>
    public const string StepFailed = "CTZ5003";

    /// <summary>Several COPY sources (or a wildcard) need a folder destination ending in '/'.</summary>
    public const string DestinationNotFolder = "CTZ5004";

    /// <summary>--chown or --chmod has a value the engine cannot use.</summary>
    public const string BadOwnerOrMode = "CTZ5005";

    /// <summary>A feature the engine does not support yet (ADD of a URL offline, RUN --mount).</summary>
    public const string Unsupported = "CTZ5006";

    /// <summary>A -t name is not a valid image reference.</summary>
    public const string BadTag = "CTZ5007";

    /// <summary>A COPY/ADD source leaves the context (.. above its root).</summary>
    public const string SourceOutsideContext = "CTZ5008";

    /// <summary>containerize run: the image is not in the store or has no command.</summary>
    public const string NothingToRun = "CTZ5009";

    /// <summary>
    /// A COPY/ADD or bind-mount source is, or goes through, a symlink that leads nowhere inside its context or stage
    /// (links are resolved inside it, as BuildKit does, never on this machine), or a symlink loop.
    /// </summary>
    public const string SourceLinkUnresolved = "CTZ5010";

    /// <summary>
    /// A COPY/ADD destination or WORKDIR must pass through or be a folder where the image has a file, or a copied
    /// folder or file would replace an existing file or folder of the other kind (BuildKit refuses the same).
    /// </summary>
    public const string DestinationBlocked = "CTZ5012";

    /// <summary>The symlinks of a COPY/ADD destination or WORKDIR loop (more than 255 followed).</summary>
    public const string TooManyLinks = "CTZ5013";

    // CTZ5040-5059: Container-mode engine features (secrets, ssh, named contexts, outputs, platforms).

    /// <summary>A RUN --mount=type=secret,required names a secret the build was not given.</summary>
    public const string SecretMissing = "CTZ5040";

    /// <summary>A RUN --mount=type=ssh,required names an ssh agent the build was not given.</summary>
    public const string SshAgentMissing = "CTZ5041";

    /// <summary>A --build-context value is malformed, missing, or of a kind this engine cannot read.</summary>
    public const string BadNamedContext = "CTZ5042";

    /// <summary>A --secret or --ssh value is malformed or names a file, variable or socket that does not exist.</summary>
    public const string BadSecretSource = "CTZ5043";

    /// <summary>A RUN step for a platform this machine cannot execute (no emulation).</summary>
    public const string ForeignPlatformRun = "CTZ5044";

    /// <summary>A --output value is malformed or cannot be written.</summary>
    public const string BadOutput = "CTZ5045";

    /// <summary>A --platform value is malformed, or the base image has no such platform.</summary>
    public const string BadPlatform = "CTZ5046";

    /// <summary>A RUN step on a machine that cannot run it: RUN runs in runc, which needs Linux.</summary>
    public const string RunNeedsLinux = "CTZ5047";
}
