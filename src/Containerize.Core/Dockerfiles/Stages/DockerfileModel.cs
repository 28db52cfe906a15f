using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Parsing;

namespace Containerize.Core.Dockerfiles.Stages;

/// <summary>One build stage: its FROM and the instructions up to the next FROM.</summary>
public sealed record Stage(int Index, FromInstruction From, IReadOnlyList<Instruction> Instructions)
{
    /// <summary>The lower-cased name after AS, if any.</summary>
    public string? Name => From.StageName;

    /// <summary>BuildKit's name for the stage in logs: the AS name or <c>stage-N</c>.</summary>
    public string DisplayName => Name ?? $"stage-{Index}";
}

/// <summary>
/// A Dockerfile as typed stages: the global ARGs before the first FROM, the stages in file order, and warnings
/// (parser warnings, repeated CMD/ENTRYPOINT/HEALTHCHECK, duplicate stage names).
/// </summary>
public sealed record DockerfileModel(
    IReadOnlyList<ArgInstruction> GlobalArgs,
    IReadOnlyList<Stage> Stages,
    IReadOnlyList<Diagnostic> Warnings,
    char EscapeToken,
    string? File)
{
    public static async Task<DockerfileModel> LoadAsync(string path, string? displayName = null, CancellationToken cancellationToken = default) =>
        FromParse(await DockerfileParser.ParseFileAsync(path, displayName, cancellationToken).ConfigureAwait(false));

    public static DockerfileModel Parse(string text, string? file = null) => FromParse(DockerfileParser.Parse(text, file));

    public static DockerfileModel FromParse(ParseResult parsed)
    {
        var file = parsed.File;
        var warnings = parsed.Warnings.Select(w => w.ToDiagnostic(file)).ToList();
        var globals = new List<ArgInstruction>();
        var stages = new List<(FromInstruction From, List<Instruction> Body)>();
        foreach (var node in parsed.Instructions)
        {
            var instruction = InstructionParser.Parse(node, file);
            if (instruction is FromInstruction from)
            {
                stages.Add((from, []));
            }
            else if (stages.Count > 0)
            {
                stages[^1].Body.Add(instruction);
            }
            else if (instruction is ArgInstruction arg)
            {
                globals.Add(arg);
            }
            else
            {
                throw new ContainerizeException(DockerfileErrors.InstructionBeforeFrom, "no build stage in current context", file, node.StartLine,
                    $"only ARG may come before the first FROM; move {instruction.Keyword} after a FROM line");
            }
        }

        if (stages.Count == 0)
        {
            throw new ContainerizeException(DockerfileErrors.InstructionBeforeFrom, "no build stage in current context", file, parsed.Root.EndLine,
                "a Dockerfile needs a FROM instruction");
        }

        var result = stages.Select((s, i) => new Stage(i, s.From, s.Body)).ToList();
        var seenNames = new Dictionary<string, Stage>(StringComparer.Ordinal);
        foreach (var stage in result)
        {
            if (stage.Name is { } name && !seenNames.TryAdd(name, stage))
            {
                warnings.Add(new Diagnostic(DockerfileErrors.DuplicateStageName, Severity.Warning,
                    $"Duplicate stage name \"{name}\", stage names should be unique", file, stage.From.StartLine,
                    $"rename one of the stages; references to \"{name}\" use the last one"));
            }

            WarnRepeated<CmdInstruction>(stage, "CMD", warnings, file);
            WarnRepeated<EntrypointInstruction>(stage, "ENTRYPOINT", warnings, file);
            WarnRepeated<HealthcheckInstruction>(stage, "HEALTHCHECK", warnings, file);
        }

        return new DockerfileModel(globals, result, [.. warnings.OrderBy(w => w.Line ?? 0)], parsed.EscapeToken, file);
    }

    /// <summary>Docker's lint MultipleInstructionsDisallowed: every occurrence but the last is reported.</summary>
    private static void WarnRepeated<T>(Stage stage, string keyword, List<Diagnostic> warnings, string? file)
        where T : Instruction
    {
        var all = stage.Instructions.OfType<T>().ToList();
        foreach (var earlier in all.Take(all.Count - 1))
        {
            warnings.Add(new Diagnostic(DockerfileErrors.MultipleInstructions, Severity.Warning,
                $"Multiple {keyword} instructions should not be used in the same stage because only the last one will be used", file, earlier.StartLine,
                $"remove the earlier {keyword} lines (MultipleInstructionsDisallowed)"));
        }
    }
}
