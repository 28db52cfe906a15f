using System.Text;

namespace Containerize.Core.Host;

/// <summary>The README's property table, made from <see cref="PropertySchema"/> (a test keeps the README equal to it).</summary>
public static class PropertyTable
{
    public static string Markdown()
    {
        var b = new StringBuilder();
        b.Append("| property or item | what it sets | default | changes |\n| --- | --- | --- | --- |\n");
        // The container settings first, then the package metadata and runtime settings that also shape the image.
        foreach (var p in PropertySchema.All.Where(p => p.UserSetting).OrderBy(p => p.Name.StartsWith("Container", StringComparison.Ordinal) ? 0 : 1)) Row(b, p, p.Name);
        b.Append("\nRead from the project (set by the .NET SDK or the project file); each is an input of the image too:\n\n");
        b.Append("| property or item | what it sets | default | changes |\n| --- | --- | --- | --- |\n");
        foreach (var p in PropertySchema.All.Where(p => !p.UserSetting)) Row(b, p, p.Source);
        return b.ToString();
    }

    // A user setting shows the name the user sets (SelfContained, not the targets' normalised copy of it).
    private static void Row(StringBuilder b, PropertySpec p, string shown)
    {
        var name = p.Kind == InputKind.List ? $"`@({shown})`" : $"`{shown}`";
        var meaning = p.Secret ? p.Meaning + " (secret: never logged)" : p.Meaning;
        b.Append("| ").Append(name).Append(" | ").Append(Escape(meaning)).Append(" | ").Append(p.Default is null ? "" : Escape(p.Default))
            .Append(" | ").Append(Changes(p.Feeds)).Append(" |\n");
    }

    private static string Changes(ImagePart part) => part switch
    {
        ImagePart.Base => "base image",
        ImagePart.Config => "config",
        ImagePart.Labels => "labels",
        ImagePart.Layers => "layers",
        ImagePart.Build => "build",
        ImagePart.Names => "names only",
        ImagePart.Destination => "destination only",
        _ => "not the image",
    };

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
