using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Generation;

/// <summary>Repository, tag and registry names, checked with <see cref="ImageReference"/>'s grammar.</summary>
internal static class Naming
{
    // A registry host that cannot be mistaken for a path component, so that Parse keeps the rest as the repository.
    private const string ProbeRegistry = "probe.invalid";

    /// <summary>
    /// ContainerHelpers.NormalizeRepository: a valid name is kept; otherwise, when it starts with a letter or digit,
    /// upper case letters are lowered and any other character but '_', '-' and '/' becomes '-'.
    /// </summary>
    public static string NormalizeRepository(string repository, string file)
    {
        if (IsValidRepository(repository)) return repository;
        if (repository.Length == 0 || !char.IsAsciiLetterOrDigit(repository[0]))
        {
            throw Invalid(repository, "it must start with a letter or digit", file);
        }

        var b = new StringBuilder(repository.Length);
        foreach (var ch in repository)
        {
            b.Append(ch switch
            {
                >= 'A' and <= 'Z' => char.ToLowerInvariant(ch),
                (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' or '/' => ch,
                _ => '-',
            });
        }

        var normalized = b.ToString();
        if (!IsValidRepository(normalized)) throw Invalid(repository, $"even normalised to '{normalized}' it breaks the repository grammar", file);
        return normalized;
    }

    public static string[] Tags(string? tag, IReadOnlyList<string> tags, string file)
    {
        var list = tags.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim()).ToArray();
        if (!string.IsNullOrWhiteSpace(tag) && list.Length > 0)
        {
            throw new ContainerizeException(GenerationErrors.AmbiguousTags, "both ContainerImageTag and ContainerImageTags are set", file,
                hint: "set only one: ContainerImageTags takes a ';'-separated list");
        }

        if (list.Length == 0) list = [string.IsNullOrWhiteSpace(tag) ? "latest" : tag.Trim()];
        foreach (var t in list)
        {
            if (!ImageReference.TryParse($"{ProbeRegistry}/x:{t}", out var r) || r!.Tag != t)
            {
                throw new ContainerizeException(GenerationErrors.InvalidTag, $"'{t}' is not a valid image tag", file,
                    hint: "a tag has at most 128 letters, digits, '_', '.' and '-', and does not start with '.' or '-'");
            }
        }

        return list.Distinct(StringComparer.Ordinal).ToArray();
    }

    public static bool ValidateRegistry(string registry, string property, string code, string file)
    {
        if (ImageReference.TryParse($"{registry}/x", out var r) && r!.Registry == registry && !registry.Contains('/')) return true;
        throw new ContainerizeException(code, $"{property} '{registry}' is not a registry host", file,
            hint: "write a host and optional port, e.g. localhost:5000 or myregistry.azurecr.io");
    }

    private static bool IsValidRepository(string repository) =>
        repository.Length > 0 && ImageReference.TryParse($"{ProbeRegistry}/{repository}", out var r) && r!.Repository == repository && r.Tag is null;

    private static ContainerizeException Invalid(string repository, string why, string file) =>
        new(GenerationErrors.InvalidRepository, $"the repository name '{repository}' is invalid: {why}", file,
            hint: "set ContainerRepository to lower-case letters, digits and separators ('.', '_', '-', '/'), e.g. my-app");
}
