using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// The first path components whose content can end up under a scope: the scope's own, and every component holding a
/// symlink that leads (lexically, possibly through other such links) to one of them or to the root, since an entry
/// written through the link lands there. A layer touching none of them cannot change the scoped tree.
/// </summary>
internal sealed class ScopeReach(IEnumerable<string> scopeComponents)
{
    private readonly HashSet<string> _scope = new(scopeComponents, StringComparer.Ordinal);
    private readonly List<LayerPathIndex> _below = [];
    private readonly HashSet<string> _paths = new(StringComparer.Ordinal);

    /// <summary>Records the links of a layer below the next one (applied or skipped).</summary>
    public void Add(LayerPathIndex index) => _below.Add(index);

    public bool CanSkip(LayerPathIndex index)
    {
        if (index.Everything) return false;

        // The layer's own links count: a later entry of the same layer may be written through one of them.
        var reach = Closure(index);
        return !index.Components.Overlaps(reach);
    }

    // A link whose own folder is reached through another link sits elsewhere than its path says, so its relative target
    // resolves elsewhere too: it is taken to lead to the root. Links of later layers are counted as well (harmless: more reach).
    private IEnumerable<(string, string)> Pairs(LayerPathIndex index) =>
        index.Links.Select(l => (LayerPathIndex.First(l.Path), ThroughLink(l.Path) ? "" : l.To));

    private bool ThroughLink(string path)
    {
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            if (_paths.Contains(path[..slash])) return true;
        }

        return false;
    }

    private HashSet<string> Closure(LayerPathIndex candidate)
    {
        var reach = new HashSet<string>(_scope, StringComparer.Ordinal);
        foreach (var index in _below.Append(candidate)) _paths.UnionWith(index.Links.Select(l => l.Path));
        var links = _below.Append(candidate).SelectMany(Pairs).Distinct().ToList();
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var (from, to) in links)
            {
                if ((to.Length == 0 || reach.Contains(to)) && reach.Add(from)) changed = true;
            }
        }

        return reach;
    }
}
