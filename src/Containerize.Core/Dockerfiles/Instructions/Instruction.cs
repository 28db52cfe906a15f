namespace Containerize.Core.Dockerfiles.Instructions;

/// <summary>
/// A typed Dockerfile instruction with its source lines. Each instruction kind is an immutable record named after the
/// Dockerfile reference; values are as written (not yet expanded) unless produced by the stage expander.
/// </summary>
public abstract record Instruction
{
    /// <summary>The keyword in upper case (RUN, COPY…).</summary>
    public abstract string Keyword { get; }

    public int StartLine { get; init; }

    public int EndLine { get; init; }

    /// <summary>The joined logical line, for messages and the build log.</summary>
    public string Original { get; init; } = "";
}

/// <summary>One ENV or LABEL pair; <see cref="NoDelimiter"/> for the old <c>KEY value</c> form.</summary>
public sealed record KeyValue(string Key, string Value, bool NoDelimiter = false);

/// <summary>One name of an ARG, with its default if it has one.</summary>
public sealed record ArgDefinition(string Key, string? Value);

/// <summary>A heredoc used as a file: the source of COPY/ADD or an inline script of RUN.</summary>
public sealed record InlineFile(string Name, string Data, bool Expand, bool Chomp);

public sealed record FromInstruction(string BaseName, string? StageName, string? Platform) : Instruction
{
    public override string Keyword => "FROM";
}

/// <summary>The command of RUN/CMD/ENTRYPOINT: exec form (JSON) or shell form (<see cref="PrependShell"/>), plus heredoc files.</summary>
public sealed record CommandLine(IReadOnlyList<string> Arguments, bool PrependShell, IReadOnlyList<InlineFile> Files)
{
    public override string ToString() => PrependShell ? string.Join(' ', Arguments) : "[" + string.Join(", ", Arguments.Select(a => "\"" + a + "\"")) + "]";
}

public sealed record RunInstruction(CommandLine Command, IReadOnlyList<RunMount> Mounts, string Network, string Security) : Instruction
{
    public override string Keyword => "RUN";

    /// <summary>The flags given, for the build cache (an explicit default differs from none in BuildKit's cache key).</summary>
    public IReadOnlyList<string> FlagsUsed { get; init; } = [];

    /// <summary>The <c>--mount</c> values as written, parsed again after variable expansion.</summary>
    public IReadOnlyList<string> MountSpecs { get; init; } = [];
}

public sealed record CmdInstruction(CommandLine Command) : Instruction
{
    public override string Keyword => "CMD";
}

public sealed record EntrypointInstruction(CommandLine? Command) : Instruction
{
    public override string Keyword => "ENTRYPOINT";
}

public sealed record LabelInstruction(IReadOnlyList<KeyValue> Labels) : Instruction
{
    public override string Keyword => "LABEL";
}

public sealed record MaintainerInstruction(string Maintainer) : Instruction
{
    public override string Keyword => "MAINTAINER";
}

public sealed record ExposeInstruction(IReadOnlyList<string> Ports) : Instruction
{
    public override string Keyword => "EXPOSE";
}

public sealed record EnvInstruction(IReadOnlyList<KeyValue> Variables) : Instruction
{
    public override string Keyword => "ENV";
}

/// <summary>Sources (paths, URLs, or inline heredoc files) and the destination of ADD and COPY.</summary>
public sealed record SourcesAndDest(IReadOnlyList<string> SourcePaths, IReadOnlyList<InlineFile> SourceContents, string DestPath);

public sealed record AddInstruction(
    SourcesAndDest Paths,
    string? Chown,
    string? Chmod,
    string? Checksum,
    bool? KeepGitDir,
    bool Link,
    bool? Unpack,
    IReadOnlyList<string> Excludes) : Instruction
{
    public override string Keyword => "ADD";
}

public sealed record CopyInstruction(
    SourcesAndDest Paths,
    string? From,
    string? Chown,
    string? Chmod,
    bool Link,
    bool Parents,
    IReadOnlyList<string> Excludes) : Instruction
{
    public override string Keyword => "COPY";
}

public sealed record VolumeInstruction(IReadOnlyList<string> Volumes) : Instruction
{
    public override string Keyword => "VOLUME";
}

public sealed record UserInstruction(string User) : Instruction
{
    public override string Keyword => "USER";
}

public sealed record WorkdirInstruction(string Path) : Instruction
{
    public override string Keyword => "WORKDIR";
}

public sealed record ArgInstruction(IReadOnlyList<ArgDefinition> Args) : Instruction
{
    public override string Keyword => "ARG";
}

/// <summary>The trigger text, kept unparsed as BuildKit stores it in the image config; heredoc bodies are appended.</summary>
public sealed record OnbuildInstruction(string Expression, Instruction Trigger) : Instruction
{
    public override string Keyword => "ONBUILD";
}

public sealed record StopSignalInstruction(string Signal) : Instruction
{
    public override string Keyword => "STOPSIGNAL";
}

/// <summary>
/// HEALTHCHECK: <see cref="Test"/> is the OCI/Docker form (<c>["NONE"]</c>, <c>["CMD", …]</c> or <c>["CMD-SHELL", cmd]</c>);
/// zero durations mean "inherit the default".
/// </summary>
public sealed record HealthcheckInstruction(
    IReadOnlyList<string> Test,
    TimeSpan Interval,
    TimeSpan Timeout,
    TimeSpan StartPeriod,
    TimeSpan StartInterval,
    int Retries) : Instruction
{
    public override string Keyword => "HEALTHCHECK";
}

public sealed record ShellInstruction(IReadOnlyList<string> Shell) : Instruction
{
    public override string Keyword => "SHELL";
}
