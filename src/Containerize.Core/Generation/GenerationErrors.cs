
namespace Containerize.Core.Generation;

/// <summary>CTZ6000-6199: the project model, base image inference and Dockerfile generation. docs/errors.md lists each with its hint.</summary>
public static class GenerationErrors
{
    public const string InvalidRepository = "CTZ6001";
    public const string InvalidTag = "CTZ6002";
    public const string AmbiguousTags = "CTZ6003";
    public const string InvalidRegistry = "CTZ6004";
    public const string InvalidPort = "CTZ6005";
    public const string InvalidPortType = "CTZ6006";
    public const string InvalidEnvironmentVariable = "CTZ6007";
    public const string InvalidLabel = "CTZ6008";
    public const string InvalidBaseImage = "CTZ6009";
    public const string CannotInferBaseImage = "CTZ6010";
    public const string MixedMuslRuntimeIdentifiers = "CTZ6011";
    public const string MultiTargeted = "CTZ6012";
    public const string ForeignArchitecture = "CTZ6013";
    public const string UnsupportedRuntimeIdentifier = "CTZ6014";
    public const string MultipleRuntimeIdentifiers = "CTZ6015";
    public const string InvalidAppCommand = "CTZ6016";
    public const string InvalidWorkingDirectory = "CTZ6017";
    public const string InvalidSourceDateEpoch = "CTZ6018";
    public const string InvalidPropertyValue = "CTZ6019";
    public const string NotPublishable = "CTZ6020";
    public const string InvalidBuildArg = "CTZ6021";
    public const string InvalidPublishedFile = "CTZ6022";
    public const string DuplicatePublishedFile = "CTZ6023";
    public const string StagingFailed = "CTZ6024";
    public const string InvalidMirror = "CTZ6025";
    public const string OutsideContext = "CTZ6026";
    public const string DockerfileNotFound = "CTZ6027";
    public const string InvalidCommandLineItem = "CTZ6028";
    public const string MetadataMissing = "CTZ6029";
    public const string DuplicatePlatform = "CTZ6030";
    public const string IndexLoadedOnePlatform = "CTZ6031";
    public const string PlatformImageMissing = "CTZ6032";
    public const string IndexArchiveIsOci = "CTZ6033";

    /// <summary>Raised by the package's targets (restore never sees them), listed here to keep the number taken.</summary>
    public const string RuntimeIdentifiersNotRestored = "CTZ6034";

    /// <summary>Container mode with the builtin engine on a machine that cannot run its RUN steps (they need Linux and runc).</summary>
    public const string ContainerModeNeedsLinux = "CTZ6035";

    /// <summary>Raised by the netstandard2.0 out-of-process task (no Core there), listed here to keep the number taken.</summary>
    public const string NoDotnetForHost = "CTZ6037";

    public const string UnknownTaskInput = "CTZ6036";
}
