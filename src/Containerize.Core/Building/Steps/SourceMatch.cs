using Containerize.Core.Images.Layers;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// A COPY source as found: the path it was named or matched at (the destination takes its name from it) and the entry
/// it stands for once symlinks are followed inside the tree, never a symlink itself.
/// </summary>
/// <param name="Path">The path as named (a wildcard's match: where it was found); "" for the root.</param>
/// <param name="Entry">The file, folder or root it stands for (its Path is where it really is).</param>
/// <param name="FollowedLink">Whether a symlink was followed to reach it.</param>
internal sealed record SourceMatch(string Path, LayerEntry Entry, bool FollowedLink);
