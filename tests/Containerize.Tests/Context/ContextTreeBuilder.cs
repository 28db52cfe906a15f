namespace Containerize.Tests.Context;

/// <summary>Builds context trees for tests: files (with content), empty folders ("x/"), symlinks ("x -> target").</summary>
internal static class ContextTreeBuilder
{
    public static void Create(string root, params string[] specs)
    {
        foreach (var spec in specs)
        {
            var arrow = spec.IndexOf(" -> ", StringComparison.Ordinal);
            if (arrow > 0)
            {
                var link = Path.Combine(root, spec[..arrow]);
                Directory.CreateDirectory(Path.GetDirectoryName(link)!);
                File.CreateSymbolicLink(link, spec[(arrow + 4)..]);
            }
            else if (spec.EndsWith('/'))
            {
                Directory.CreateDirectory(Path.Combine(root, spec));
            }
            else
            {
                var eq = spec.IndexOf('=');
                var name = eq > 0 ? spec[..eq] : spec;
                var file = Path.Combine(root, name);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, eq > 0 ? spec[(eq + 1)..] : name);
            }
        }
    }
}
