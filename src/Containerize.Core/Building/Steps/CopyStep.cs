using System.Globalization;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Stages;
using Containerize.Core.Images.Layers;
using Containerize.Core.Runtime.Users;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// COPY (and ADD of local files): the sources (paths or wildcards; a folder copies its contents) from the context or
/// another stage, placed at the destination (relative to WORKDIR; a trailing '/' or several sources make it a folder),
/// owned by --chown (0:0 by default) and moded by --chmod, as one layer.
/// </summary>
public sealed class CopyStep : IStepExecutor
{
    public bool Handles(ResolvedInstruction step) => step.Instruction is CopyInstruction or AddInstruction;

    public async Task<IReadOnlyList<string>> CacheInputsAsync(ResolvedInstruction step, ImageState parent, StepContext context, CancellationToken cancellationToken)
    {
        var spec = Spec.Of(step.Instruction);
        RejectUrls(spec, step, context.DockerfilePath);
        var inputs = spec.Paths.SourceContents.Select(c => $"<<{c.Name} {Digest(Content(c))}").ToList();
        var snapshot = context.Snapshot;
        var what = "the build context";
        if (spec.From is not null)
        {
            if (NamedFolder(spec.From, step, context))
            {
                // A local named context is keyed like the main context: by the digests of the files COPY reads.
                snapshot = await context.NamedContexts.SnapshotAsync(spec.From, context.Sink, cancellationToken).ConfigureAwait(false);
                what = $"build context '{spec.From}'";
                inputs.Add("context " + spec.From);
            }
            else
            {
                var image = await context.Images.ResolveAsync(spec.From, FromStage(step, context), cancellationToken).ConfigureAwait(false);
                inputs.Add("from " + image.Manifest?.Digest);
                return inputs;
            }
        }

        var tree = SourceTree.FromSnapshot(snapshot);
        foreach (var source in spec.Paths.SourcePaths)
        {
            foreach (var m in tree.Match(source, what, context.DockerfilePath, step.Source.StartLine))
            {
                var path = m.Path.Length == 0 ? "." : m.Path;
                // A source reached through a symlink is copied from where the link leads inside the context: that
                // path and its content are the input (a link to outside fails in Match, as in BuildKit).
                var read = m.Entry.Path.Length == 0 ? "." : m.Entry.Path;
                var digest = await snapshot.TreeDigestAsync(read, cancellationToken).ConfigureAwait(false);
                inputs.Add(m.FollowedLink ? path + " -> " + read + " " + digest : path + " " + digest);
            }
        }

        return inputs;
    }

    public async Task<StepOutcome> ExecuteAsync(ResolvedInstruction step, ImageState parent, StepContext context, CancellationToken cancellationToken)
    {
        var spec = Spec.Of(step.Instruction);
        var file = context.DockerfilePath;
        var line = step.Source.StartLine;
        RejectUrls(spec, step, context.DockerfilePath);

        SourceTree tree;
        string what;
        if (spec.From is not null && NamedFolder(spec.From, step, context))
        {
            tree = SourceTree.FromSnapshot(await context.NamedContexts.SnapshotAsync(spec.From, context.Sink, cancellationToken).ConfigureAwait(false));
            what = $"build context '{spec.From}'";
        }
        else if (spec.From is not null)
        {
            var image = await context.Images.ResolveAsync(spec.From, FromStage(step, context), cancellationToken).ConfigureAwait(false);
            what = $"'{spec.From}'";
            SourceTree? scoped = null;
            if (SourceScope.For(spec.Paths.SourcePaths, file, line) is { } scope)
            {
                scoped = SourceTree.FromFolder(await context.Rootfs.ForSourcesAsync(image, scope, cancellationToken).ConfigureAwait(false));
                // A symlink on a source's path may lead outside the scope: read the whole image then.
                if (scoped.FollowsLinks(spec.Paths.SourcePaths, what, file, line)) scoped = null;
            }

            tree = scoped ?? SourceTree.FromFolder(await context.Rootfs.FullAsync(image, cancellationToken).ConfigureAwait(false));
        }
        else
        {
            tree = SourceTree.FromSnapshot(context.Snapshot);
            what = "the build context";
        }

        var workdir = parent.ContainerConfig.WorkingDir;
        var dest = spec.Paths.DestPath;
        var destIsFolder = dest.EndsWith('/') || dest is "." or "./";
        var written = SourceTree.Normalize(MetadataStep.ResolveWorkdir(workdir, dest).TrimStart('/'), file, line);
        // BuildKit writes through the image's symlinks on the way to the destination (and a final one): into the
        // link's target, which may not exist yet, keeping the link.
        var destination = await ImagePathResolver.ResolveAsync(context.Directories, parent, written, $"{step.Instruction.Keyword} destination /{written}", file, line, cancellationToken)
            .ConfigureAwait(false);
        var destPath = destination.Path;
        var matches = spec.Paths.SourcePaths.SelectMany(s => tree.Match(s, what, file, line)).ToList();
        var excluded = spec.Excludes.Count == 0 ? null : Context.PatternMatcher.Create(spec.Excludes);
        if (excluded is not null) matches = matches.Where(m => m.Path.Length == 0 || !excluded.MatchesOrParentMatches(m.Path)).ToList();
        var many = matches.Count + spec.Paths.SourceContents.Count > 1;
        // Docker: a destination that is a folder in the image receives the source inside it, '/' or not.
        if (!destIsFolder && !many && destination.IsFolder) destIsFolder = true;

        if (many && !destIsFolder && !spec.Parents)
        {
            throw new ContainerizeException(BuildErrors.DestinationNotFolder,
                $"When using {step.Instruction.Keyword} with more than one source file, the destination must be a directory and end with a /", file, line,
                $"write the destination as '{dest}/'");
        }

        var entries = new List<LayerEntry>();
        // Entries whose owners are final: extracted archive contents and folders the image already has.
        var fixedOwners = new List<LayerEntry>();
        // Destination folders the copy makes: 0755 as mkdir -p, never --chmod's mode (which is for what is copied).
        var madeFolders = new HashSet<string>(StringComparer.Ordinal);
        var scratch = new List<string>();
        foreach (var c in spec.Paths.SourceContents)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(Content(c));
            entries.Add(LayerEntry.FromBytes(destIsFolder || many ? Join(destPath, c.Name) : destPath, bytes, (UnixFileMode)0x1A4 /* 0644 */));
        }

        foreach (var source in matches)
        {
            // BuildKit follows a symlink that is itself a source (named or matched by a wildcard), not those inside a
            // folder; the copy is named as the source and read from where the link leads, inside the tree.
            var m = source.Entry with { Path = source.Path };
            var contentsOf = source.Entry.Path;
            if (spec.Unpack && m.Kind == LayerEntryKind.File && await ArchiveExtractor.IsArchiveAsync(m.SourcePath!, cancellationToken).ConfigureAwait(false))
            {
                // ADD extracts a local tar (plain, gzip, bzip2, xz or zstd) into the destination folder, owners and all.
                var folder = Path.Combine(context.Store.IngestPath, "add-" + Guid.NewGuid().ToString("N")[..12]);
                scratch.Add(folder);
                if (destPath.Length > 0 && !destination.IsFolder)
                {
                    entries.Add(LayerEntry.Directory(destPath));
                    madeFolders.Add(destPath);
                }

                fixedOwners.AddRange(await ArchiveExtractor.EntriesAsync(m.SourcePath!, destPath, folder, cancellationToken).ConfigureAwait(false));
            }
            else if (m.Kind == LayerEntryKind.Directory)
            {
                // A folder's contents go into the destination folder, which is made (0755, as mkdir -p) even when the
                // source is empty, or kept as the image has it; --parents keeps the source's path under the destination.
                var into = spec.Parents ? Join(destPath, m.Path) : destPath;
                if (into.Length > 0)
                {
                    if (!spec.Parents && destination.Existing is { IsFolder: true } existing)
                    {
                        fixedOwners.Add(LayerEntry.Directory(into, existing.Mode) with { Uid = existing.Uid, Gid = existing.Gid });
                    }
                    else if (spec.Parents && m.Path.Length > 0)
                    {
                        entries.Add(LayerEntry.Directory(into, m.Mode));
                    }
                    else
                    {
                        entries.Add(LayerEntry.Directory(into));
                        madeFolders.Add(into);
                    }
                }

                var prefix = spec.Parents ? 0 : contentsOf.Length == 0 ? 0 : contentsOf.Length + 1;
                foreach (var e in tree.Under(contentsOf))
                {
                    if (excluded is not null && excluded.MatchesOrParentMatches(e.Path)) continue;
                    entries.Add(e with { Path = Join(destPath, e.Path[prefix..]) });
                }
            }
            else
            {
                var name = m.Path[(m.Path.LastIndexOf('/') + 1)..];
                var target = spec.Parents ? Join(destPath, m.Path) : destIsFolder || many ? Join(destPath, name) : destPath;
                entries.Add(m with { Path = target });
            }
        }

        await RefuseReplacingAsync(entries, fixedOwners, destination, parent, context, $"{step.Instruction.Keyword} destination /{written}", file, line, cancellationToken).ConfigureAwait(false);
        var (uid, gid) = await OwnerAsync(spec.Chown, parent, context, file, line, cancellationToken).ConfigureAwait(false);
        var options = new LayerWriterOptions
        {
            Uid = uid,
            Gid = gid,
            ModeRule = spec.Chmod is null ? null : LayerModeRules.Fixed(ParseMode(spec.Chmod, file, line)),
        };

        // Context entries carry no owner (0:0, or --chown); another stage's files keep theirs unless --chown is given, as in BuildKit.
        var owned = entries.Select(e => e.Uid is not null && spec.Chown is null ? e : e with { Uid = uid, Gid = gid }).ToList();
        var keep = fixedOwners.Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
        owned.AddRange(fixedOwners);

        // Folders above the copied paths that the image already has go into the layer as the image has them, so
        // applying the layer does not reset, say, /tmp's 1777 to the writer's default.
        var ancestors = new SortedDictionary<string, LayerEntry>(StringComparer.Ordinal);
        var ownedPaths = owned.Select(o => o.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var e in owned)
        {
            for (var p = ParentOf(e.Path); p is not null && !ancestors.ContainsKey(p); p = ParentOf(p))
            {
                if (ownedPaths.Contains(p)) continue;
                if (await context.Directories.FolderAsync(parent, p, cancellationToken).ConfigureAwait(false) is { } existing)
                {
                    ancestors[p] = LayerEntry.Directory(p, existing.Mode) with { Uid = existing.Uid, Gid = existing.Gid };
                }
            }
        }

        owned.InsertRange(0, ancestors.Values);
        if (options.ModeRule is { } rule)
        {
            options = options with { ModeRule = (e, m) => ancestors.ContainsKey(e.Path) || keep.Contains(e.Path) || madeFolders.Contains(e.Path) ? m : rule(e, m) };
        }

        StepLayer layer;
        try
        {
            layer = await LayerStore.WriteAsync(context.Store, owned, options, context.LayerCompression, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var folder in scratch) Directory.Delete(folder, recursive: true);
        }

        return new StepOutcome(parent.ContainerConfig, layer, BuildKitHistory.Copy(step.Instruction));
    }

    /// <summary>
    /// BuildKit's copy refuses to put anything below a file ("not a directory"), a folder over a file or symlink
    /// ("cannot copy to non-directory") and a file or link over a folder ("cannot replace to directory … with file"),
    /// where a layer would silently replace one with the other. Only a destination the image already has as a
    /// folder can hold such clashes; a new one is empty. An archive's extracted entries (<paramref name="extracted"/>)
    /// are only checked for lying below a file.
    /// </summary>
    private static async Task RefuseReplacingAsync(
        List<LayerEntry> entries, List<LayerEntry> extracted, ResolvedImagePath destination, ImageState parent, StepContext context, string what, string file, int line, CancellationToken cancellationToken)
    {
        var dest = destination.Path;
        if (destination.Existing is { IsFolder: false } && entries.Concat(extracted).Any(e => e.Path.StartsWith(dest + "/", StringComparison.Ordinal)))
        {
            throw new ContainerizeException(BuildErrors.DestinationBlocked, $"{what}: /{dest} is a file in the image, not a folder", file, line,
                "copy into a folder: remove or rename the file in an earlier step, or choose another destination");
        }

        if (!destination.IsFolder) return;
        // Below a folder the image lacks there is nothing to clash with: parents sort first, so their answer is known.
        var absent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries.OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            var folder = e.Kind == LayerEntryKind.Directory;
            if (absent.Contains(ParentOf(e.Path) ?? "")
                || await context.Directories.LookupAsync(parent, e.Path, cancellationToken).ConfigureAwait(false) is not { } existing)
            {
                if (folder) absent.Add(e.Path);
                continue;
            }

            if (folder == existing.IsFolder) continue;
            throw new ContainerizeException(BuildErrors.DestinationBlocked,
                folder ? $"{what}: cannot copy the folder /{e.Path} over the {(existing.Kind == 'l' ? "symlink" : "file")} the image has there"
                    : $"{what}: cannot replace the folder /{e.Path} of the image with a {(e.Kind == LayerEntryKind.Symlink ? "symlink" : "file")}",
                file, line, "BuildKit refuses this too: remove the image's path in an earlier step, or copy to another destination");
        }
    }

    private static string Content(InlineFile file) => file.Chomp ? Dockerfiles.Parsing.HeredocWords.ChompContent(file.Data) : file.Data;

    private static string Digest(string text) => Images.Oci.Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(text)).ToString();

    private static void RejectUrls(Spec spec, ResolvedInstruction step, string file)
    {
        if (spec.Paths.SourcePaths.FirstOrDefault(IsUrl) is { } url)
        {
            throw new ContainerizeException(BuildErrors.Unsupported, $"{step.Instruction.Keyword} {url}: URL sources are not supported (the build is offline)",
                file, step.Source.StartLine, "download the file in an earlier stage or put it in the context and COPY it");
        }
    }

    private static bool IsUrl(string source) =>
        source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || source.StartsWith("git@", StringComparison.Ordinal);

    /// <summary>--from names a local `--build-context` folder (which, as in BuildKit, replaces a stage of that name).</summary>
    private static bool NamedFolder(string from, ResolvedInstruction step, StepContext context) =>
        context.NamedContexts.FolderOf(from) is not null;

    private static int? FromStage(ResolvedInstruction step, StepContext context) =>
        context.Plan.Stages.SelectMany(s => s.Dependencies)
            .FirstOrDefault(d => d.Kind == DependencyKind.CopyFrom && d.Line == step.Source.StartLine)?.StageIndex;

    private static string? ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? null : path[..slash];
    }

    private static string Join(string folder, string name) => folder.Length == 0 ? name : name.Length == 0 ? folder : folder + "/" + name;

    private static UnixFileMode ParseMode(string text, string file, int line)
    {
        try
        {
            return LayerModeRules.ParseOctal(text);
        }
        catch (ContainerizeException e)
        {
            throw new ContainerizeException(BuildErrors.BadOwnerOrMode, $"--chmod={text}: {e.Diagnostic.Message}", file, line, e.Diagnostic.Hint);
        }
    }

    /// <summary>Numeric ids are used as given; names are looked up in the parent image's /etc/passwd and /etc/group.</summary>
    private static async Task<(int Uid, int Gid)> OwnerAsync(string? chown, ImageState parent, StepContext context, string file, int line, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(chown)) return (0, 0);
        var parts = chown.Split(':', 2);
        static bool Numeric(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);
        if (Numeric(parts[0]) && (parts.Length == 1 || Numeric(parts[1])))
        {
            var uid = int.Parse(parts[0], CultureInfo.InvariantCulture);
            return (uid, parts.Length == 1 ? uid : int.Parse(parts[1], CultureInfo.InvariantCulture));
        }

        try
        {
            var rootfs = await context.Rootfs.FullAsync(parent, cancellationToken).ConfigureAwait(false);
            var user = UserResolver.ResolveInRootfs(chown, rootfs);
            // Docker: "--chown=name" alone gives the user's primary group only when no group is named.
            return ((int)user.Uid, (int)user.Gid);
        }
        catch (ContainerizeException e)
        {
            throw new ContainerizeException(BuildErrors.BadOwnerOrMode, $"--chown={chown}: {e.Diagnostic.Message}", file, line,
                "use numeric ids, or names that the image's /etc/passwd and /etc/group define");
        }
    }

    /// <summary>COPY and ADD share everything the engine reads.</summary>
    private sealed record Spec(SourcesAndDest Paths, string? From, string? Chown, string? Chmod, IReadOnlyList<string> Excludes, bool Unpack, bool Parents = false)
    {
        public static Spec Of(Instruction instruction) => instruction switch
        {
            CopyInstruction c => new Spec(c.Paths, c.From, c.Chown, c.Chmod, c.Excludes, false, c.Parents),
            AddInstruction a => new Spec(a.Paths, null, a.Chown, a.Chmod, a.Excludes, a.Unpack ?? true),
            _ => throw new ArgumentException("not COPY or ADD", nameof(instruction)),
        };
    }
}
