using Containerize.Core.Building.Cache;
using Containerize.Core.Building.Output;
using Containerize.Core.Building.Plan;
using Containerize.Core.Building.Steps;
using Containerize.Core.Context;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;

namespace Containerize.Core.Building;

/// <summary>A finished build: the target image (stored, tagged with the request's names) and what each step did.</summary>
public sealed record BuildResult(ImageState Image, IReadOnlyList<StepRecord> Steps, IReadOnlyList<ImageReference> Tags);

/// <summary>
/// `containerize build`: reads the request (<see cref="BuildInputs"/>), resolves the base images and plans the stages
/// the target needs once (<see cref="PlannedBuild"/>), runs them as <see cref="StageScheduler"/> allows, each through
/// <see cref="StageBuilder"/>, makes the final image (<see cref="FinalImage"/>), then tags it, writes the outputs and
/// the summary. Streams Docker's classic log. Tags only when every step succeeded.
/// </summary>
public sealed class ImageBuilder(IDiagnosticSink sink)
{
    public async Task<BuildResult> BuildAsync(BuildRequest request, CancellationToken cancellationToken)
    {
        // Git URL contexts become folders first (removed when the build ends, however it ends).
        using var git = await GitContexts.ResolveAsync(request, sink, null, cancellationToken).ConfigureAwait(false);
        request = git.Request;
        var inputs = await BuildInputs.ReadAsync(request, cancellationToken).ConfigureAwait(false);
        PhaseTimer.Mark("dockerfile parsed");

        var store = await OciLayoutStore.OpenOrCreateAsync(StoreLocation.Resolve(request.StorePath), cancellationToken).ConfigureAwait(false);
        var registryOptions = new RegistryOptions { Sink = sink, Offline = request.Offline };
        // Bases are pulled without their layers; whatever reads one fetches it through this (RemoteBlobs).
        using var fetcher = RegistryBlobFetcher.Attach(store, registryOptions);
        var scratch = Path.Combine(store.IngestPath, "build-" + Guid.NewGuid().ToString("N")[..12]);
        var named = new NamedContextSet(request.NamedContexts, scratch);
        var images = new ImageResolvers(store, inputs.ContextDirectory, inputs.Dockerfile, sink, named, registryOptions, inputs.TargetPlatform);
        PhaseTimer.Mark("store opened");

        var planned = await PlannedBuild.CreateAsync(inputs.Model, inputs.Planner, inputs.Options, inputs.Bases, images, named, cancellationToken).ConfigureAwait(false);
        var plan = planned.Plan;
        PhaseTimer.Mark("base images resolved, stages planned");
        foreach (var w in plan.Warnings) sink.Report(w);
        var context = (await BuildContext.OpenAsync(inputs.ContextDirectory, inputs.Dockerfile, cancellationToken).ConfigureAwait(false)).WithFileModes(request.FileModes);
        var snapshot = await ContextSnapshot.CreateAsync(context, null, sink, cancellationToken).ConfigureAwait(false);
        var contextSources = DockerfileSources.FromInstructions(plan.Stages.SelectMany(s => s.Instructions).Select(i => i.Instruction));
        foreach (var d in ContextHygiene.CheckSources(context, contextSources, inputs.Dockerfile)) sink.Report(d);
        PhaseTimer.Mark("context snapshot");

        var cache = new BuildCache(store);
        var shared = new StepContext
        {
            Store = store,
            Snapshot = snapshot,
            DockerfilePath = inputs.Dockerfile,
            Sink = sink,
            Plan = plan,
            Images = images.Target,
            Rootfs = new RootfsCache(store, scratch),
            RuntimeRoot = request.RuntimeRoot ?? BuildRequest.DefaultRuntimeRoot,
            LayerCompression = request.LayerCompression,
            Directories = new DirectoryIndex(store, cache.Folder),
            Secrets = request.Secrets,
            SshAgents = request.SshAgents,
            NamedContexts = named,
        };
        var scheduler = new StageScheduler(plan, request.MaxParallelStages);
        var steps = new StepRunner(cache, new MissExplainer(cache.Folder), request.NoCache);
        var stages = new StageBuilder(planned, images, scheduler, steps, shared, sink, request.IgnoreBaseFiles);
        IReadOnlyDictionary<int, StageResult> results;
        try
        {
            results = await scheduler.RunAsync(stages.BuildAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await snapshot.SaveCacheAsync(cancellationToken).ConfigureAwait(false);
            await named.SaveCachesAsync(cancellationToken).ConfigureAwait(false);
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }

        PhaseTimer.Mark("digest cache saved");
        var records = results.Values.SelectMany(r => r.Records).OrderBy(r => r.Number).ToList();
        var target = results[plan.Target.Index];
        var image = await FinalImage.CreateAsync(store, target.Image, target.InheritedHistory, request.Created,
            distribute: request.LayerCompression != LayerCompression.None, cancellationToken).ConfigureAwait(false);
        sink.Info($"Successfully built {image.ShortId}");
        foreach (var tag in inputs.Tags)
        {
            await store.TagAsync(tag, image.Manifest!, cancellationToken).ConfigureAwait(false);
            sink.Info($"Successfully tagged {tag.FamiliarString}");
        }

        // The SBOM and provenance name the manifest that leaves the machine: made after an output compresses the layers.
        Func<ImageState, Task<IReadOnlyList<Descriptor>>>? attest = request.Sbom != Supply.Sbom.SbomFormats.None || request.Provenance
            ? built => BuildAttestations.CreateAsync(store, built, inputs, request,
                planned.Bases.Where(b => b.Value.Manifest is not null).Select(b => new Supply.Provenance.ResolvedBase(b.Key, b.Value.Manifest!.Digest.ToString())).ToList(),
                sink, cancellationToken)
            : null;
        if (inputs.Outputs.Count > 0)
        {
            await BuildOutputWriter.WriteAsync(store, image, inputs.Tags, inputs.Outputs, image.Config.Platform, sink, cancellationToken, attest).ConfigureAwait(false);
        }
        else if (attest is not null)
        {
            // The documents name one manifest: the one a later push or save sends, with compressed layers (as an
            // output would), so the store's tags move to it before it is attested.
            var distributed = await ImageCommitter.CompressForDistributionAsync(store, image, cancellationToken).ConfigureAwait(false);
            foreach (var tag in inputs.Tags) await store.TagAsync(tag, distributed.Manifest!, cancellationToken).ConfigureAwait(false);
            image = distributed;
            await attest(image).ConfigureAwait(false);
        }

        PhaseTimer.Mark("tagged");
        BuildSummary.Write(records, sink);
        return new BuildResult(image, records, inputs.Tags);
    }
}
