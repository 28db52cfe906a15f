namespace Containerize.Core.Handoff;

/// <summary>
/// Why an external build failed, as read from its output: the step (<c>[build 2/5]</c> for BuildKit,
/// <c>3/5</c> for the classic builder, <c>3/4</c> for buildah), its instruction, the exit code of a RUN and the
/// last lines the step printed.
/// </summary>
public sealed record BuildFailure(
    string? Step,
    string? Instruction,
    int? ExitCode,
    string Message,
    IReadOnlyList<string> LastOutput,
    int? DockerfileLine);
