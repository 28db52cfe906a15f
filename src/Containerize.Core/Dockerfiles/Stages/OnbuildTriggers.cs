using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Parsing;

namespace Containerize.Core.Dockerfiles.Stages;

/// <summary>
/// The ONBUILD triggers a base image carries in its config (<c>OnBuild</c>), typed with the same front end as the
/// Dockerfile. Each is parsed as <c>ONBUILD text</c>, so the rules that reject <c>ONBUILD ONBUILD</c>, FROM and
/// MAINTAINER apply to an image's triggers exactly as to the Dockerfile's own. A trigger runs at the FROM line, so
/// it carries that line; an error names the trigger and the image it came from.
/// </summary>
public static class OnbuildTriggers
{
    public static IReadOnlyList<Instruction> Parse(IReadOnlyList<string> triggers, string baseName, FromInstruction from, string? file)
    {
        var result = new List<Instruction>(triggers.Count);
        foreach (var trigger in triggers)
        {
            Instruction typed;
            try
            {
                var parsed = DockerfileParser.Parse("ONBUILD " + trigger + "\n", file);
                if (parsed.Instructions.Count != 1)
                {
                    throw new ContainerizeException(DockerfileErrors.OnbuildTriggerNotAllowed, "onbuild trigger should be a single expression", file, from.StartLine);
                }

                typed = ((OnbuildInstruction)InstructionParser.Parse(parsed.Instructions[0], file)).Trigger;
            }
            catch (ContainerizeException e)
            {
                throw new ContainerizeException(e.Diagnostic with
                {
                    Message = $"ONBUILD trigger '{trigger}' of base image '{baseName}': {e.Diagnostic.Message}",
                    File = file,
                    Line = from.StartLine,
                    Hint = e.Diagnostic.Hint ?? "the trigger comes from the base image's config (ONBUILD in the Dockerfile that built it)",
                }, e);
            }

            result.Add(typed with { StartLine = from.StartLine, EndLine = from.EndLine });
        }

        return result;
    }
}
