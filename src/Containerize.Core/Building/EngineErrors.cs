namespace Containerize.Core.Building;

/// <summary>CTZ5000-5499: the layer-by-layer build engine. docs/errors.md lists each with its hint.</summary>
public static class EngineErrors
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
}
