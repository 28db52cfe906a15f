using Containerize.Core.Diagnostics;

namespace Containerize.Core.Generation;

/// <summary>
/// The SDK's ENTRYPOINT and CMD rules (ImageBuilder.DetermineEntrypointAndCmd, with the default ContainerAppCommand of
/// ComputeContainerConfig): <c>dotnet /app/App.dll</c> for framework-dependent apps, <c>/app/App</c> for self-contained
/// and AOT ones, as an ENTRYPOINT unless ContainerAppCommandInstruction says DefaultArgs or None.
/// </summary>
internal static class EntrypointRules
{
    public static (IReadOnlyList<string> Entrypoint, IReadOnlyList<string> Cmd) Compute(ProjectModel model, string workdir, string file)
    {
        var c = model.Container;
        var instruction = string.IsNullOrWhiteSpace(c.ContainerAppCommandInstruction) ? "" : c.ContainerAppCommandInstruction.Trim();
        if (instruction is not ("" or "Entrypoint" or "DefaultArgs" or "None"))
        {
            throw Error($"ContainerAppCommandInstruction '{instruction}' is unknown", "use Entrypoint, DefaultArgs or None", file);
        }

        string[] appCommand = c.ContainerAppCommand.ToArray();
        if (appCommand.Length == 0 && instruction != "None")
        {
            appCommand = model.IsSelfContained
                ? [workdir + model.AssemblyName + model.NativeExecutableExtension]
                : ["dotnet", workdir + model.EffectiveTargetFileName];
        }

        string[] entrypoint = c.ContainerEntrypoint.ToArray();
        string[] entrypointArgs = c.ContainerEntrypointArgs.ToArray();
        string[] cmd = c.ContainerDefaultArgs.ToArray();
        string[] appCommandArgs = c.ContainerAppCommandArgs.ToArray();
        var setsEntrypoint = entrypoint.Length > 0 || entrypointArgs.Length > 0;

        if (instruction.Length == 0)
        {
            if (setsEntrypoint)
            {
                // Before ContainerAppCommand existed only ContainerEntrypoint did: EntrypointArgs alone still means
                // "the app command, with these default arguments".
                if (cmd.Length == 0 && appCommandArgs.Length == 0 && entrypoint.Length == 0)
                {
                    entrypoint = appCommand;
                    appCommand = [];
                    cmd = entrypointArgs;
                    entrypointArgs = [];
                    instruction = "None";
                }
                else
                {
                    instruction = "DefaultArgs";
                }
            }
            else
            {
                instruction = "Entrypoint";
            }
        }

        if (entrypointArgs.Length > 0 && entrypoint.Length == 0)
        {
            throw Error("ContainerEntrypointArgs is set without ContainerEntrypoint", "set ContainerEntrypoint, or use ContainerAppCommandArgs / ContainerDefaultArgs", file);
        }

        if (appCommandArgs.Length > 0 && appCommand.Length == 0)
        {
            throw Error("ContainerAppCommandArgs is set without a ContainerAppCommand", "set ContainerAppCommand, or remove ContainerAppCommandArgs", file);
        }

        switch (instruction)
        {
            case "None":
                if (appCommand.Length > 0 || appCommandArgs.Length > 0)
                {
                    throw Error("ContainerAppCommand is set but ContainerAppCommandInstruction is None, so it would not be used",
                        "remove ContainerAppCommand/ContainerAppCommandArgs, or use Entrypoint or DefaultArgs", file);
                }

                break;
            case "DefaultArgs":
                cmd = [.. appCommand, .. appCommandArgs, .. cmd];
                break;
            default:
                if (setsEntrypoint)
                {
                    throw Error("ContainerEntrypoint conflicts with ContainerAppCommandInstruction=Entrypoint",
                        "remove ContainerEntrypoint/ContainerEntrypointArgs, or use ContainerAppCommandInstruction=DefaultArgs", file);
                }

                entrypoint = appCommand;
                entrypointArgs = appCommandArgs;
                break;
        }

        return (entrypoint.Length > 0 ? [.. entrypoint, .. entrypointArgs] : [], cmd);
    }

    private static ContainerizeException Error(string message, string hint, string file) =>
        new(GenerationErrors.InvalidAppCommand, message, file, hint: hint);
}
