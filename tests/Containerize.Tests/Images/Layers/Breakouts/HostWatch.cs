using Containerize.Core.Os;
using Containerize.Core.Images.Layers;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>
/// Host paths outside the sandbox that a layer names (absolute names and link targets, and where an entry would
/// land if an absolute symlink were followed on the host), with what is there. A naive applier writes, links or
/// deletes there; this notices it. Folders are compared by identity only: other processes add files to /tmp.
/// </summary>
internal sealed class HostWatch
{
    private readonly Dictionary<string, string> _before;

    private HostWatch(Dictionary<string, string> before) => _before = before;

    public IEnumerable<string> Paths => _before.Keys;

    /// <param name="names">Every entry name of the layers, expanded.</param>
    /// <param name="targets">Every link target of the layers, expanded.</param>
    /// <param name="sandboxTop">Paths under it are the sandbox's to check.</param>
    public static HostWatch Of(IEnumerable<string> names, IEnumerable<string> targets, string sandboxTop)
    {
        var nameList = names.ToList();
        var paths = new HashSet<string>(nameList.Where(n => n.StartsWith('/')).Select(Clean), StringComparer.Ordinal);
        foreach (var absolute in targets.Where(p => p.StartsWith('/')))
        {
            paths.Add(Clean(absolute));

            // 'link -> /etc' then 'link/x/y': a host-following applier writes /etc/x/y or /etc/y.
            foreach (var name in nameList)
            {
                var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
                for (var i = 0; i < parts.Length; i++) paths.Add(Clean(absolute + "/" + string.Join('/', parts[i..])));
            }
        }

        var top = sandboxTop.TrimEnd('/') + "/";
        paths.RemoveWhere(p => p == "/" || (p + "/").StartsWith(top, StringComparison.Ordinal));
        return new HostWatch(paths.ToDictionary(p => p, State, StringComparer.Ordinal));
    }

    public List<string> Changes() =>
        [.. _before.Where(kv => State(kv.Key) != kv.Value).Select(kv => $"host path changed: {kv.Key}: {kv.Value} -> {State(kv.Key)}")];

    private static string State(string path)
    {
        try
        {
            return LibC.LStat(path) switch
            {
                null => "absent",
                { Type: FileStatus.Directory } st => $"dir inode={st.Inode}",
                var st => $"type={st.Value.Type:x} mode={Convert.ToString(st.Value.Mode & 0xFFF, 8)} links={st.Value.Links} inode={st.Value.Inode} size={st.Value.Size}",
            };
        }
        catch (IOException e)
        {
            return "unreadable: " + e.Message;
        }
    }

    /// <summary>Lexical cleaning of an absolute path; '..' stops at '/'.</summary>
    private static string Clean(string absolute)
    {
        var parts = new List<string>();
        foreach (var p in absolute.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (p == ".") continue;
            if (p == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(p);
        }

        return "/" + string.Join('/', parts);
    }
}
