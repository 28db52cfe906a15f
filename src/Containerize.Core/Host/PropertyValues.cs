using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;

namespace Containerize.Core.Host;

/// <summary>Parses the string values MSBuild passes for Containerize's own enum and boolean properties.</summary>
public static class PropertyValues
{
    public static ContainerBuildMode ParseBuildMode(string? value, string? projectPath = null) =>
        ParseEnum(value, "ContainerBuildMode", ContainerBuildMode.Host, projectPath);

    public static ContainerLayering ParseLayering(string? value, string? projectPath = null) =>
        ParseEnum(value, "ContainerLayering", ContainerLayering.Dependencies, projectPath);

    private static T ParseEnum<T>(string? value, string property, T fallback, string? projectPath)
        where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (Enum.TryParse<T>(value.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !char.IsDigit(value.Trim()[0])) return parsed;
        throw new ContainerizeException(GenerationErrors.InvalidPropertyValue,
            $"{property} has the invalid value '{value}'", projectPath,
            hint: $"use one of: {string.Join(", ", Enum.GetNames<T>())}");
    }
}
