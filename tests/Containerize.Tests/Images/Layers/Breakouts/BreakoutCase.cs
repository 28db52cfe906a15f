using System.Text.Json;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>
/// One entry of a case: a tar entry of a layer, or (in <see cref="BreakoutCase.Base"/>) a file system operation made
/// before any layer. Names and targets are kept exactly as written; <c>{sandbox}</c> and <c>{unique}</c> are expanded.
/// </summary>
internal sealed record BreakoutEntry
{
    /// <summary>file, dir, symlink, hardlink, or whiteout (an empty regular file whose name is the raw <c>.wh.</c> name).</summary>
    public required string Type { get; init; }

    public required string Name { get; init; }

    public string? Text { get; init; }

    /// <summary>File content as hex, for bytes that are not text.</summary>
    public string? Hex { get; init; }

    public string? Target { get; init; }

    /// <summary>Octal permissions; null: 644 for files and whiteouts, 755 for folders, 777 for links (as containerd's tartest).</summary>
    public string? Mode { get; init; }

    public byte[] Content => Hex is { } hex ? Convert.FromHexString(hex) : System.Text.Encoding.UTF8.GetBytes(Text ?? "");

    public UnixFileMode Permissions => (UnixFileMode)Convert.ToInt32(Mode ?? Type switch { "dir" => "755", "symlink" or "hardlink" => "777", _ => "644" }, 8);

    public override string ToString() => Type switch
    {
        "symlink" => $"symlink '{Name}' -> '{Target}'",
        "hardlink" => $"hardlink '{Name}' => '{Target}'",
        "file" => $"file '{Name}' ({Content.Length} bytes)",
        _ => $"{Type} '{Name}'",
    };
}

/// <summary>What must hold after the layers were applied. Paths are the container's view (resolved inside the root) unless the kind starts with host.</summary>
internal sealed record BreakoutCheck
{
    /// <summary>content, sameFile, notSameFile, symlink, absent, dir, mode, hostAbsent, hostMode.</summary>
    public required string Kind { get; init; }

    public required string Path { get; init; }

    public string? Other { get; init; }

    public string? Text { get; init; }

    public string? Hex { get; init; }

    public string? Target { get; init; }

    public string? Mode { get; init; }

    /// <summary>Why a check is there when it is not one of the source's own.</summary>
    public string? Note { get; init; }
}

internal sealed record BreakoutCase
{
    public required string Name { get; init; }

    public string? Why { get; init; }

    /// <summary>The tree the root holds before the layers (containerd's fstest 'apply'), made with plain file system calls.</summary>
    public IReadOnlyList<BreakoutEntry> Base { get; init; } = [];

    public required IReadOnlyList<IReadOnlyList<BreakoutEntry>> Layers { get; init; }

    /// <summary>
    /// The CTZ code applying must fail with; null: it must succeed; "any": it may do either (a CTZ code if it fails),
    /// and the checks run when it succeeds.
    /// </summary>
    public string? Error { get; init; }

    public IReadOnlyList<BreakoutCheck> Checks { get; init; } = [];
}

internal sealed record BreakoutFile(string Source, IReadOnlyList<BreakoutCase> Cases);

/// <summary>Reads the case files of this folder.</summary>
internal static class BreakoutData
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true, UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    public static string Folder => Path.Combine(RepoPaths.Root, "tests", "Containerize.Tests", "Images", "Layers", "Breakouts");

    public static IReadOnlyList<BreakoutCase> Load(string fileName)
    {
        var file = JsonSerializer.Deserialize<BreakoutFile>(File.ReadAllText(Path.Combine(Folder, fileName)), Options)
            ?? throw new InvalidDataException(fileName + " is empty");
        var duplicate = file.Cases.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"{fileName}: case '{duplicate.Key}' appears twice");
        return file.Cases;
    }
}
