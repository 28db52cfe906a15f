namespace Containerize.Core.Dockerfiles;

/// <summary>
/// Codes of the Dockerfile front end. CTZ1000-1099: parser (the AST), CTZ1100-1149: shell lexer (its own class),
/// CTZ1150-1199: typed instructions, CTZ1200-1299: stage graph and expansion. docs/errors.md lists each with its hint.
/// </summary>
public static class DockerfileErrors
{
    // Parser
    public const string NoInstructions = "CTZ1001";
    public const string LineTooLong = "CTZ1002";
    public const string InvalidEscapeToken = "CTZ1003";
    public const string DuplicateDirective = "CTZ1004";
    public const string UnterminatedHeredoc = "CTZ1005";
    public const string JsonNotStringArray = "CTZ1006";
    public const string KeyValueMissingValue = "CTZ1007";
    public const string KeyValueMissingEquals = "CTZ1008";
    public const string InvalidHeredoc = "CTZ1009";
    public const string EmptyContinuationLine = "CTZ1050";

    // Typed instructions
    public const string UnknownInstruction = "CTZ1150";
    public const string UnknownFlag = "CTZ1151";
    public const string DuplicateFlag = "CTZ1152";
    public const string BadFlagValue = "CTZ1153";
    public const string MissingArguments = "CTZ1154";
    public const string WrongArgumentCount = "CTZ1155";
    public const string InvalidStageName = "CTZ1156";
    public const string BlankName = "CTZ1157";
    public const string OnbuildTriggerNotAllowed = "CTZ1158";
    public const string InvalidHealthcheck = "CTZ1159";
    public const string ShellNotJson = "CTZ1160";
    public const string InvalidMount = "CTZ1161";
    public const string InvalidRunOption = "CTZ1162";
    public const string HeredocAsDestination = "CTZ1163";
    public const string EmptyVolume = "CTZ1164";
    public const string MultipleInstructions = "CTZ1170";

    // Stage graph and expansion
    public const string InstructionBeforeFrom = "CTZ1200";
    public const string UnknownTarget = "CTZ1201";
    public const string DuplicateStageName = "CTZ1202";
    public const string CircularDependency = "CTZ1203";
    public const string InvalidStageIndex = "CTZ1204";
    public const string FromVariableNotSupported = "CTZ1205";
    public const string BlankBaseName = "CTZ1206";
    public const string InvalidBuildArg = "CTZ1208";
    public const string UnusedBuildArg = "CTZ1209";
    public const string InvalidExposedPort = "CTZ1210";
}
