using System.Text.RegularExpressions;

namespace Containerize.Core.Handoff;

/// <summary>
/// Reads an engine's build output line by line and keeps what a failure report needs. It understands BuildKit's
/// plain progress (<c>#6 [stage 3/3] RUN ...</c>, <c>#6 0.21 output</c>, <c>#6 ERROR: ...</c>), the classic builder's
/// (<c>Step 3/4 : RUN ...</c>, <c>The command '/bin/sh -c ...' returned a non-zero code: 3</c>) and buildah's
/// (<c>STEP 3/4: RUN ...</c>, <c>Error: building at STEP "RUN ...": while running runtime: exit status 3</c>).
/// </summary>
public sealed partial class BuildOutputParser(int keepLines = 10, string? dockerfileName = null)
{
    private readonly Dictionary<string, string> _vertexNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _vertexOutput = new(StringComparer.Ordinal);
    private readonly List<string> _stepOutput = [];
    private readonly List<string> _errors = [];
    private string? _classicStep;
    private string? _classicInstruction;
    private string? _failedVertex;
    private int? _exitCode;
    private int? _line;

    /// <summary>The image ID the classic builder or buildah printed (a fallback when no --iidfile was written).</summary>
    public string? ImageId { get; private set; }

    public void Add(string line)
    {
        Match m;
        if ((m = VertexLine().Match(line)).Success)
        {
            var id = m.Groups["id"].Value;
            var rest = m.Groups["rest"].Value;
            if (rest.StartsWith("ERROR:", StringComparison.Ordinal))
            {
                _failedVertex ??= id;
                _errors.Add(rest["ERROR:".Length..].Trim());
                ReadExitCode(rest);
                return;
            }

            if ((m = VertexOutput().Match(rest)).Success)
            {
                Keep(Output(id), m.Groups["text"].Value);
                return;
            }

            if (rest.StartsWith('[') && !_vertexNames.ContainsKey(id)) _vertexNames[id] = rest;
            return;
        }

        if ((m = ClassicStep().Match(line)).Success)
        {
            _classicStep = m.Groups["step"].Value;
            _classicInstruction = m.Groups["instr"].Value.Trim();
            _stepOutput.Clear();
            return;
        }

        if ((m = ClassicFailed().Match(line)).Success)
        {
            _exitCode = int.Parse(m.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture);
            _errors.Add(line.Trim());
            return;
        }

        if ((m = BuildahFailed().Match(line)).Success)
        {
            _classicInstruction ??= m.Groups["instr"].Value;
            _errors.Add(line.Trim());
            ReadExitCode(line);
            return;
        }

        if (_line is null && TryDockerfileLine(line) is { } at)
        {
            _line = at;
            return;
        }

        if (line.StartsWith("ERROR: ", StringComparison.Ordinal) || line.StartsWith("Error: ", StringComparison.Ordinal)
            || line.StartsWith("error: ", StringComparison.Ordinal) || line.StartsWith("failed to solve", StringComparison.Ordinal)
            || line.StartsWith("COPY failed:", StringComparison.Ordinal) || line.StartsWith("ADD failed:", StringComparison.Ordinal)
            || line.StartsWith("Error response from daemon:", StringComparison.Ordinal)
            || line.StartsWith("unable to prepare context:", StringComparison.Ordinal))
        {
            _errors.Add(line.Trim());
            ReadExitCode(line);
            return;
        }

        if ((m = SuccessfullyBuilt().Match(line)).Success)
        {
            ImageId = m.Groups["id"].Value;
            return;
        }

        if ((m = BuildahStep().Match(line)).Success)
        {
            _classicStep = m.Groups["step"].Value;
            _classicInstruction = m.Groups["instr"].Value.Trim();
            _stepOutput.Clear();
            return;
        }

        // Classic and buildah output: everything between two steps belongs to the current step, except the
        // builder's own bookkeeping.
        if (_classicStep is not null && !line.StartsWith(" ---> ", StringComparison.Ordinal) && !line.StartsWith("--> ", StringComparison.Ordinal)
            && !line.StartsWith("Removing intermediate container", StringComparison.Ordinal) && line.Length > 0)
        {
            Keep(_stepOutput, line);
        }
    }

    /// <summary>The failure, or null when the output holds none (the exit code alone then tells).</summary>
    public BuildFailure? Failure(int processExitCode, string? dockerfileText = null)
    {
        if (processExitCode == 0) return null;
        string? step = null, instruction = null;
        IReadOnlyList<string> output = _stepOutput;
        if (_failedVertex is not null)
        {
            output = _vertexOutput.TryGetValue(_failedVertex, out var o) ? o : [];
            if (_vertexNames.TryGetValue(_failedVertex, out var name) && VertexName().Match(name) is { Success: true } vm)
            {
                step = vm.Groups["step"].Value;
                instruction = vm.Groups["instr"].Value.Trim();
            }
            else if (_vertexNames.TryGetValue(_failedVertex, out var internalName))
            {
                instruction = internalName;
            }
        }
        else if (_classicStep is not null || _classicInstruction is not null)
        {
            step = _classicStep;
            instruction = _classicInstruction;
        }

        var message = _errors.LastOrDefault(e => e.Contains("failed to solve", StringComparison.Ordinal))
            ?? _errors.LastOrDefault()
            ?? $"the engine exited with code {processExitCode}";
        if (message.StartsWith("ERROR: ", StringComparison.Ordinal)) message = message["ERROR: ".Length..];
        var line = _line ?? (instruction is null || dockerfileText is null ? null : FindLine(dockerfileText, instruction));
        return new BuildFailure(step, instruction, _exitCode, message, output.ToList(), line);
    }

    /// <summary>
    /// The line of an instruction in the Dockerfile, when the engine did not say (the classic builder and BuildKit
    /// before Docker 23 print no line): the first line whose text starts the instruction, when exactly one does.
    /// </summary>
    public static int? FindLine(string dockerfileText, string instruction)
    {
        var firstLine = instruction.Split('\n')[0].Trim();
        if (firstLine.Length == 0) return null;
        var lines = dockerfileText.Replace("\r\n", "\n").Split('\n');
        int? found = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].Trim();
            if (text.Length == 0) continue;
            if (string.Equals(text, firstLine, StringComparison.OrdinalIgnoreCase)
                || (firstLine.Length > 12 && text.StartsWith(firstLine, StringComparison.OrdinalIgnoreCase)))
            {
                if (found is not null) return null;
                found = i + 1;
            }
        }

        return found;
    }

    /// <summary>BuildKit (Docker 23+) names the failing line as <c>Dockerfile:3</c> above its excerpt.</summary>
    private int? TryDockerfileLine(string line)
    {
        var ic = System.Globalization.CultureInfo.InvariantCulture;
        if (dockerfileName is not null && line.StartsWith(dockerfileName + ":", StringComparison.Ordinal)
            && int.TryParse(line.AsSpan(dockerfileName.Length + 1), System.Globalization.NumberStyles.None, ic, out var named))
        {
            return named;
        }

        var m = DockerfileLine().Match(line);
        return m.Success ? int.Parse(m.Groups["line"].Value, ic) : null;
    }

    private void ReadExitCode(string text)
    {
        var m = ExitCode().Match(text);
        if (m.Success) _exitCode = int.Parse(m.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private List<string> Output(string id)
    {
        if (!_vertexOutput.TryGetValue(id, out var list)) _vertexOutput[id] = list = [];
        return list;
    }

    private void Keep(List<string> list, string line)
    {
        list.Add(line);
        if (list.Count > keepLines) list.RemoveAt(0);
    }

    [GeneratedRegex(@"^#(?<id>\d+) (?<rest>.*)$")]
    private static partial Regex VertexLine();

    [GeneratedRegex(@"^\d+\.\d+ (?<text>.*)$")]
    private static partial Regex VertexOutput();

    [GeneratedRegex(@"^\[(?<step>[^\]]*\d+/\d+)\] (?<instr>.*)$")]
    private static partial Regex VertexName();

    [GeneratedRegex(@"^Step (?<step>\d+/\d+) : (?<instr>.*)$")]
    private static partial Regex ClassicStep();

    [GeneratedRegex(@"^STEP (?<step>\d+/\d+): (?<instr>.*)$")]
    private static partial Regex BuildahStep();

    [GeneratedRegex(@"^The command '.*' returned a non-zero code: (?<code>\d+)$")]
    private static partial Regex ClassicFailed();

    [GeneratedRegex(@"^Error: building at STEP ""(?<instr>.*)"": ")]
    private static partial Regex BuildahFailed();

    [GeneratedRegex(@"(?:exit code|exit status|non-zero code): (?<code>\d+)|exit status (?<code>\d+)")]
    private static partial Regex ExitCode();

    [GeneratedRegex(@"^(?:\S*[Dd]ockerfile\S*|\.dockerfile\.[0-9a-f]+):(?<line>\d+)$")]
    private static partial Regex DockerfileLine();

    [GeneratedRegex(@"^Successfully built (?<id>[0-9a-f]{12,64})$")]
    private static partial Regex SuccessfullyBuilt();
}
