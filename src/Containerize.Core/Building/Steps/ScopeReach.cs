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
    private readonly HashSet<(string From, string To)> _links = [];

    /// <summary>Records the links of a layer below the next one (applied or skipped).</summary>
    public void Add(LayerPathIndex index) => _links.UnionWith(Pairs(index));

    public bool CanSkip(LayerPathIndex index)
    {
        if (index.Everything) return false;

        // The layer's own links count: a later entry of the same layer may be written through one of them.
        var reach = Closure(Pairs(index));
        return !index.Components.Overlaps(reach);
    }

    private static IEnumerable<(string, string)> Pairs(LayerPathIndex index) => index.Links.Select(l => (LayerPathIndex.First(l.Path), l.To));

    private HashSet<string> Closure(IEnumerable<(string From, string To)> extra)
    {
        var reach = new HashSet<string>(_scope, StringComparer.Ordinal);
        var links = _links.Concat(extra).ToList();
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
