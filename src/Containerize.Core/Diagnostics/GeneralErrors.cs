namespace Containerize.Core.Diagnostics;

/// <summary>
/// Codes are grouped by the part of the pipeline that raises them, each area in its own file:
/// CTZ0xxx general and CLI, CTZ1xxx Dockerfile front end, CTZ2xxx build context, CTZ3xxx images and store,
/// CTZ4xxx registry, CTZ5xxx build engine and runtime, CTZ6xxx generation and MSBuild, CTZ7xxx engine hand-off.
/// docs/errors.md lists every code with its hint.
/// </summary>
public static class GeneralErrors
{
    public const string UnknownCommand = "CTZ0001";
    public const string BadArguments = "CTZ0002";
    public const string FileNotFound = "CTZ0003";
    public const string Unexpected = "CTZ0004";
    public const string Cancelled = "CTZ0005";
    public const string IoError = "CTZ0006";
}
