using System.Runtime.Versioning;
using Containerize.Core.Building.Plan;
using Containerize.Core.Building;
using Containerize.Core.Context;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Handoff;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;
using Containerize.Core.Supply.Signing;

namespace Containerize.Core.Publishing;

/// <summary>
/// `dotnet publish -p:ContainerBuild=true` after the publish: plan, write the Dockerfile (generated Host mode over the
/// staged publish output, Container mode, or the user's ContainerDockerfile), build it (the builtin engine, or Docker /
/// Podman; the builtin engine dates it with ContainerSourceDateEpoch), send it to its destinations and write
/// obj/container/image.json.
/// </summary>
public sealed class ContainerPublisher(IDiagnosticSink sink)
{
    public async Task<ContainerImageResult> PublishAsync(ContainerPublishRequest request, CancellationToken cancellationToken)
    {
        var project = request.Project;
        var c = project.Container;
        var epoch = await SourceDateEpoch.ResolveAsync(c.ContainerSourceDateEpoch, project.ProjectDirectory, request.Environment, cancellationToken).ConfigureAwait(false);
        project = project with { Container = c with { ContainerSourceDateEpoch = epoch } };
        c = project.Container;

        PhaseTimer.Mark("publish: source date epoch");
        var (plan, errors) = ContainerPlanner.TryPlan(project, request.Now);
        if (plan is null)
        {
            // Every validation error at once; the first one fails the task.
            foreach (var e in errors.Skip(1)) sink.Report(e);
            throw new ContainerizeException(errors[0]);
        }

        var engine = ParseEngine(c.ContainerBuildEngine, project.ProjectPath);
        var network = ParseNetwork(c.ContainerBuildNetwork, project.ProjectPath);
        if (engine is null && plan.BuildMode == ContainerBuildMode.Container && c.ContainerDockerfile is not { Length: > 0 }
            && Os.HostRules.Current.Os != Os.HostOs.Linux)
        {
            // Said before any work: Container mode restores, builds and publishes in RUN steps, which the builtin
            // engine runs in runc. Host mode (the default) and the hand-off work on every OS.
            throw new ContainerizeException(GenerationErrors.ContainerModeNeedsLinux,
                $"ContainerBuildMode=Container with the builtin engine needs Linux (its restore, build and publish are RUN steps, run in runc), and this is {Os.HostRules.Current.Os}",
                project.ProjectPath,
                hint: "set ContainerBuildEngine=Docker (or Podman) to hand the Dockerfile to an engine, or use ContainerBuildMode=Host (the default)");
        }

        // Bad destination and attestation settings fail before any build work.
        ImageDestinations.ParseLocalRegistry(c.LocalRegistry, project.ProjectPath);
        PublishAttestations.Formats(plan);
        // A signing key that cannot be used fails now, before any build work and long before a push (never its text).
        using var signingKey = engine is null && !request.StoreOnly && c.ContainerSigningKey is { Length: > 0 } keyPath
            ? SigningKey.Load(keyPath, c.ContainerSigningKeyPasswordVariable, request.Environment)
            : null;
        if (!request.StoreOnly && !string.IsNullOrEmpty(c.ContainerArchiveOutputPath)) ArchiveOutput.Format(c.ContainerImageFormat, project.ProjectPath);

        if (c.ContainerWriteDockerfile)
        {
            var ejected = EjectedDockerfile.Create(plan);
            await ejected.WriteAsync(cancellationToken).ConfigureAwait(false);
            sink.Info($"Dockerfile (Container mode, ContainerWriteDockerfile): {ejected.Dockerfile.Path}");
        }

        PhaseTimer.Mark("publish: planned");
        // The builtin engine resolves the base before the Dockerfile is written: the Dockerfile pins the digest the tag
        // names now, and the user and ports come from the base's own config. A hand-off lets the engine resolve it.
        var baseDigestPath = Path.Combine(request.ContainerDirectory, BaseDigestFile.FileName);
        // The base of the last build, from its image.json (base.digest may already hold the new digest: the check
        // before the skip decision rewrites it when the tag moved).
        var previousBase = await PreviousBaseAsync(Path.Combine(request.ContainerDirectory, ImageMetadataFile.FileName), cancellationToken).ConfigureAwait(false);
        BaseImageFacts? baseFacts = null;
        if (engine is null && string.IsNullOrWhiteSpace(c.ContainerDockerfile))
        {
            baseFacts = await ProbeBaseAsync(plan, request, cancellationToken).ConfigureAwait(false);
            if (baseFacts is not null) plan = ContainerPlanner.TryPlan(project, request.Now, baseFacts).Plan ?? plan;
            PhaseTimer.Mark("publish: base resolved");
        }

        // The base's OS packages for the SBOM are read on the other core while the context is staged and the image built.
        var baseScan = request.StoreOnly || engine is not null ? null
            : PublishAttestations.StartBaseScan(plan, baseFacts, StoreLocation.Resolve(request.StorePath, request.Environment), c.ContainerOffline, cancellationToken);
        var (dockerfile, context, fileModes, layerPlan, publishedFiles) = await PrepareAsync(plan, request, cancellationToken).ConfigureAwait(false);
        PhaseTimer.Mark("publish: context staged");
        sink.Info($"Dockerfile: {dockerfile} (context {context})");
        sink.Detail("Host rules: " + Os.HostRules.Current.Describe());

        var result = engine is { } external
            ? await BuildExternallyAsync(external, plan, dockerfile, context, fileModes, network, cancellationToken).ConfigureAwait(false)
            : await BuildBuiltinAsync(plan, request, dockerfile, context, fileModes, new AttestationFacts(layerPlan, publishedFiles, baseFacts, signingKey, baseScan), cancellationToken).ConfigureAwait(false);

        if (baseFacts is not null)
        {
            var moved = previousBase is { } p && p.WithoutDigest().ToString() == baseFacts.Reference.WithoutDigest().ToString()
                && p.Digest is { } old && old != baseFacts.Digest;
            result = result with { BaseImage = baseFacts.PinnedReference, PreviousBaseDigest = moved ? previousBase!.Digest.ToString() : null };
        }

        await BaseDigestFile.WriteAsync(baseDigestPath, baseFacts, cancellationToken).ConfigureAwait(false);
        await ImageMetadataFile.WriteAsync(Path.Combine(request.ContainerDirectory, ImageMetadataFile.FileName), result, cancellationToken).ConfigureAwait(false);
        PhaseTimer.Mark("publish: image.json written");
        sink.Info("Container image: " + result.Summary());
        return result;
    }

    private static async Task<ImageReference?> PreviousBaseAsync(string imageJson, CancellationToken cancellationToken)
    {
        if (!File.Exists(imageJson)) return null;
        try
        {
            var last = await ImageMetadataFile.ReadAsync(imageJson, cancellationToken).ConfigureAwait(false);
            return last.BaseImage is { } b && ImageReference.TryParse(b, out var reference) ? reference : null;
        }
        catch (ContainerizeException)
        {
            return null;
        }
    }

    private async Task<BaseImageFacts?> ProbeBaseAsync(ContainerPlan plan, ContainerPublishRequest request, CancellationToken cancellationToken)
    {
        var offline = plan.Project.Container.ContainerOffline;
        var store = await OciLayoutStore.OpenOrCreateAsync(StoreLocation.Resolve(request.StorePath, request.Environment), cancellationToken).ConfigureAwait(false);
        using var client = offline ? null : new RegistryClient(new RegistryOptions { Sink = new QuietSink(sink) });
        return await BaseImageProbe.ProbeAsync(plan.BaseImage, plan.Platform, store, client, sink, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the SBOM needs of the steps before the build: Host mode's layer plan and files, and the resolved base.</summary>
    private sealed record AttestationFacts(LayerPlan? Layers, IReadOnlyList<PublishedFile> Files, BaseImageFacts? Base, SigningKey? Key, Task<Supply.Sbom.ImagePackages>? BaseScan);

    // FileModes: the modes Host mode's files get where the file system has none (null for the other modes).
    private static async Task<(string Dockerfile, string Context, IReadOnlyDictionary<string, UnixFileMode>? FileModes, LayerPlan? Layers, IReadOnlyList<PublishedFile> Files)> PrepareAsync(ContainerPlan plan, ContainerPublishRequest request, CancellationToken cancellationToken)
    {
        var project = plan.Project;
        var c = project.Container;
        if (!string.IsNullOrWhiteSpace(c.ContainerDockerfile))
        {
            var path = Path.GetFullPath(c.ContainerDockerfile.Trim(), project.ProjectDirectory);
            if (!File.Exists(path))
            {
                throw new ContainerizeException(GenerationErrors.DockerfileNotFound, $"ContainerDockerfile '{c.ContainerDockerfile}' does not exist ({path})", project.ProjectPath,
                    hint: "give a path relative to the project folder, or remove ContainerDockerfile to use the generated one");
            }

            return (path, project.ContextRoot, null, null, request.Files);
        }

        if (plan.BuildMode == ContainerBuildMode.Container)
        {
            var path = Path.Combine(request.ContainerDirectory, "Dockerfile");
            var relative = Path.GetRelativePath(Path.GetFullPath(project.ContextRoot), path).Replace('\\', '/');
            await OutputFiles.WriteTextIfChangedAsync(path, DockerfileWriter.WriteContainerMode(plan, relative), cancellationToken).ConfigureAwait(false);
            return (path, project.ContextRoot, null, null, request.Files);
        }

        var files = request.PublishDirectory is { Length: > 0 } publishDir && Directory.Exists(publishDir)
            ? PublishDirectory.Collect(publishDir, request.Files)
            : request.Files;
        files = await StaticWebAssetsEndpoints.NormalizeAsync(files, plan.SourceDateEpoch ?? 0, Path.Combine(request.ContainerDirectory, "normalized"), cancellationToken).ConfigureAwait(false);
        var layers = LayerPlanner.Plan(files, project);
        var prepared = await HostModeContext.PrepareAsync(plan, layers, request.ContainerDirectory, cancellationToken).ConfigureAwait(false);
        return (prepared.DockerfilePath, prepared.ContextDirectory, prepared.FileModes, layers, files);
    }

    private async Task<ContainerImageResult> BuildBuiltinAsync(ContainerPlan plan, ContainerPublishRequest request, string dockerfile, string context,
        IReadOnlyDictionary<string, UnixFileMode>? fileModes, AttestationFacts facts, CancellationToken cancellationToken)
    {
        var c = plan.Project.Container;
        var storePath = StoreLocation.Resolve(request.StorePath, request.Environment);
        // The push's connection, token and first HTTP request cost tens of milliseconds of set-up: paid while the
        // image builds, on the other core, instead of after it.
        using var registry = !request.StoreOnly && !string.IsNullOrEmpty(plan.Registry) && !c.ContainerOffline
            ? new RegistryClient(new RegistryOptions { Sink = sink, Offline = c.ContainerOffline })
            : null;
        using var warmUpCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var warmUp = registry is null ? Task.CompletedTask
            : Task.Run(() => registry.WarmUpAsync(ImageReference.Parse(plan.ImageNames[0]).WithDefaultTag(), RegistryMode.Push, warmUpCancellation.Token), CancellationToken.None);
        try
        {
            return await BuildAndSendAsync(plan, request, dockerfile, context, fileModes, facts, storePath, registry, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A failed build reports at once, not after the warm-up's retries against a registry it will not use.
            await warmUpCancellation.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            await warmUp.ConfigureAwait(false);
        }
    }

    private async Task<ContainerImageResult> BuildAndSendAsync(ContainerPlan plan, ContainerPublishRequest request, string dockerfile, string context,
        IReadOnlyDictionary<string, UnixFileMode>? fileModes, AttestationFacts facts, string storePath,
        RegistryClient? registry, CancellationToken cancellationToken)
    {
        var c = plan.Project.Container;
        var build = await new ImageBuilder(new QuietSink(sink)).BuildAsync(new BuildRequest
        {
            ContextDirectory = context,
            DockerfilePath = dockerfile,
            FileModes = fileModes,
            Tags = plan.ImageNames,
            BuildArgs = plan.BuildArgs.GroupBy(a => a.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
            Target = string.IsNullOrWhiteSpace(c.ContainerTarget) ? null : c.ContainerTarget.Trim(),
            NoCache = c.ContainerNoCache,
            // Container mode's restore step mounts the CA bundle secret and the local package folder, when asked.
            Secrets = plan.BuildMode == ContainerBuildMode.Container ? ContainerModeBuild.Secrets(plan.Project) : new Dictionary<string, string>(StringComparer.Ordinal),
            NamedContexts = plan.BuildMode == ContainerBuildMode.Container ? ContainerModeBuild.NamedContexts(plan.Project) : new Dictionary<string, string>(StringComparer.Ordinal),
            // The RID's platform: the base comes from the index entry for it, the config says it, and a RUN for another
            // architecture than this machine's is a coded error (CTZ5044) instead of an exec format error.
            Platform = Building.Plan.BuildPlatforms.ArgValue(plan.Platform),
            StorePath = storePath,
            Offline = c.ContainerOffline,
            // The generated Host-mode Dockerfile copies into a fresh /app: its steps are decided without the base's
            // files, so the base's layers are never downloaded unless a destination reads them (archive, daemon).
            IgnoreBaseFiles = plan.BuildMode == ContainerBuildMode.Host && string.IsNullOrWhiteSpace(c.ContainerDockerfile),
            // A published image leaves the machine: its layers are gzipped as they are written, not written twice, and
            // the image tagged has its base's plain layers compressed too.
            LayerCompression = LayerCompression.Gzip,
            // ContainerSourceDateEpoch dates the config and the history entries of the final stage's steps.
            Created = plan.SourceDateEpoch is { } epoch ? DateTimeOffset.FromUnixTimeSeconds(epoch) : null,
        }, cancellationToken).ConfigureAwait(false);

        PhaseTimer.Mark("publish: image built");
        var store = await OciLayoutStore.OpenOrCreateAsync(storePath, cancellationToken).ConfigureAwait(false);
        // An archive or a daemon load reads the base's layers, which the build left in their registry: fetched then.
        using var fetcher = RegistryBlobFetcher.Attach(store, new RegistryOptions { Sink = sink, Offline = c.ContainerOffline });
        // The published image is the one a registry, an archive and image.json all name, as the build tagged it: dated,
        // its layers compressed as the SDK's are (see BuildRequest.Created and LayerCompression).
        var image = build.Image;
        var (added, baseLayers) = LayerAccounting.Layers(image, build.Steps);
        await CopyBlobAsync(store, image.Manifest!.Digest, Path.Combine(request.ContainerDirectory, "manifest.json"), cancellationToken).ConfigureAwait(false);
        await CopyBlobAsync(store, image.ConfigDigest!.Value, Path.Combine(request.ContainerDirectory, "config.json"), cancellationToken).ConfigureAwait(false);
        PhaseTimer.Mark("publish: manifest and config copied");
        // The SBOM and provenance are made before anything leaves the machine: a missing restore graph fails the
        // publish with nothing pushed. A store-only build (one platform of several) attaches nothing yet.
        var referrers = request.StoreOnly ? [] : await PublishAttestations.CreateAsync(plan,
            new BuiltImage(image, facts.Layers, facts.Files, baseLayers, dockerfile, facts.Base, facts.BaseScan), store, sink, cancellationToken).ConfigureAwait(false);
        PhaseTimer.Mark("publish: attestations");
        var outcome = request.StoreOnly
            ? new ImageDestinations.Outcome([], 0, null, null)
            : await new ImageDestinations(store, sink, registry).SendAsync(plan, image.Manifest!, image.ConfigDigest!.Value, referrers, cancellationToken).ConfigureAwait(false);
        PhaseTimer.Mark("publish: destinations");
        var signatures = facts.Key is { } key
            ? await SignAsync(plan, image.Manifest!, outcome.Pushed, store, registry, key, cancellationToken).ConfigureAwait(false)
            : [];
        var configSize = await store.GetBlobSizeAsync(image.ConfigDigest!.Value, cancellationToken).ConfigureAwait(false) ?? 0;
        return new ContainerImageResult
        {
            Reference = build.Tags[0].FamiliarString,
            Names = build.Tags.Select(t => t.FamiliarString).ToList(),
            ManifestDigest = image.Manifest!.Digest.ToString(),
            ManifestMediaType = image.Manifest.MediaType,
            ImageId = image.ConfigDigest.Value.ToString(),
            Size = configSize + image.Layers.Sum(l => l.Size),
            Layers = added,
            BaseLayerCount = baseLayers,
            DockerfilePath = dockerfile,
            ArchivePath = outcome.ArchivePath,
            Pushed = outcome.Pushed,
            BytesUploaded = outcome.BytesUploaded,
            LoadedInto = outcome.LoadedInto,
            Attestations = [.. referrers.Select(r => new AttestationResult(r.ArtifactType!, r.Digest.ToString())), .. signatures],
        };
    }

    private async Task<ContainerImageResult> BuildExternallyAsync(EngineKind kind, ContainerPlan plan, string dockerfile, string context,
        IReadOnlyDictionary<string, UnixFileMode>? fileModes, string? network, CancellationToken cancellationToken)
    {
        var c = plan.Project.Container;
        var buildContext = (await BuildContext.OpenAsync(context, dockerfile, cancellationToken).ConfigureAwait(false)).WithFileModes(fileModes);
        var relative = Path.GetRelativePath(context, dockerfile);
        var inside = !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
        var request = new ExternalBuildRequest
        {
            WriteContext = (stream, ct) => ContextTar.WriteAsync(buildContext, stream, ContextTarOptions.FromEnvironment(), null, ct),
            DockerfileInContext = inside ? relative.Replace('\\', '/') : null,
            DockerfileContent = inside ? null : await File.ReadAllBytesAsync(dockerfile, cancellationToken).ConfigureAwait(false),
            DockerfileDisplayPath = dockerfile,
            Tags = plan.ImageNames,
            Target = string.IsNullOrWhiteSpace(c.ContainerTarget) ? null : c.ContainerTarget.Trim(),
            BuildArgs = plan.BuildArgs.Select(a => new KeyValuePair<string, string?>(a.Name, a.Value)).ToList(),
            NoCache = c.ContainerNoCache,
            Network = network,
            Push = !string.IsNullOrEmpty(plan.Registry),
        };
        var built = await ExternalBuilder.BuildAsync(kind, request, null, new QuietSink(sink), cancellationToken).ConfigureAwait(false);
        sink.Info($"{kind.ToString().ToLowerInvariant()} built image ID {built.ImageId}");
        return new ContainerImageResult
        {
            Reference = plan.ImageNames[0],
            Names = plan.ImageNames,
            ManifestDigest = built.ManifestDigest,
            ImageId = built.ImageId,
            DockerfilePath = dockerfile,
            Pushed = request.Push ? plan.ImageNames : [],
            LoadedInto = kind.ToString().ToLowerInvariant(),
        };
    }

    /// <summary>
    /// Signs the image where it went: in each registry repository it was pushed to (cosign's signature tag beside it),
    /// else in the local store. The key never reaches a log; the log names the signature tag.
    /// </summary>
    private async Task<IReadOnlyList<AttestationResult>> SignAsync(ContainerPlan plan, Descriptor manifest, IReadOnlyList<string> pushed, OciLayoutStore store,
        RegistryClient? registry, SigningKey key, CancellationToken cancellationToken)
    {
        var results = new List<AttestationResult>();
        var repositories = pushed.Select(p => ImageReference.Parse(p)).GroupBy(r => r.Name, StringComparer.Ordinal).Select(g => g.First()).ToList();
        using var owned = repositories.Count > 0 && registry is null ? new RegistryClient(new RegistryOptions { Sink = new QuietSink(sink) }) : null;
        var targets = repositories.Count > 0
            ? repositories.Select(r => (Target: SignatureTarget.InRegistry(registry ?? owned!, r), Name: r)).ToList()
            : plan.ImageNames.Take(1).Select(n => ImageReference.Parse(n).WithDefaultTag()).Select(r => (Target: SignatureTarget.InStore(store, r), Name: r)).ToList();
        foreach (var (target, name) in targets)
        {
            var signed = await ImageSigner.SignAsync(target, manifest.Digest, CosignFormat.DockerReference(name), key, cancellationToken).ConfigureAwait(false);
            sink.Info(signed.Added ? $"{signed.Name}: signed ({Path.GetFileName(key.Path)})" : $"{signed.Name}: already signed with this key");
            results.Add(new AttestationResult(CosignFormat.SimpleSigningMediaType, signed.SignatureManifest.ToString()));
        }

        return results;
    }

    // The SDK's GeneratedContainer carries the manifest and config JSON: kept beside image.json for skipped builds.
    private static async Task CopyBlobAsync(OciLayoutStore store, Digest digest, string path, CancellationToken cancellationToken)
    {
        await using var blob = await store.OpenBlobAsync(digest, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(blob);
        await OutputFiles.WriteTextIfChangedAsync(path, await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ContainerBuildNetwork: null leaves the engine's default.</summary>
    public static string? ParseNetwork(string? value, string? projectPath) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "host" or "none" or "default" => value.Trim().ToLowerInvariant(),
        _ => throw new ContainerizeException(GenerationErrors.InvalidPropertyValue, $"ContainerBuildNetwork has the invalid value '{value}'", projectPath,
            hint: "use host, none or default (the network of RUN steps in Docker or Podman)"),
    };

    /// <summary>ContainerBuildEngine: null for the builtin engine.</summary>
    public static EngineKind? ParseEngine(string? value, string? projectPath) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "builtin" => null,
        "docker" => EngineKind.Docker,
        "podman" => EngineKind.Podman,
        _ => throw new ContainerizeException(GenerationErrors.InvalidPropertyValue, $"ContainerBuildEngine has the invalid value '{value}'", projectPath,
            hint: "use Builtin (the default, no daemon), Docker or Podman"),
    };
}
