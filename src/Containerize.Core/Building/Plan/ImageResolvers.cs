using System.Collections.Concurrent;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Stages;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// Where one build's FROM and --from names lead: the stages built so far, and for an image a resolver for the
/// target platform, or for the platform a <c>FROM --platform=P</c> asks for (often $BUILDPLATFORM, for a build stage
/// that runs here).
/// </summary>
public sealed class ImageResolvers
{
    private readonly ConcurrentDictionary<int, ImageState> _built = new();
    private readonly OciLayoutStore _store;
    private readonly string _contextDirectory;
    private readonly string _dockerfile;
    private readonly IDiagnosticSink _sink;
    private readonly NamedContextSet _named;
    private readonly RegistryOptions _registryOptions;

    public ImageResolvers(OciLayoutStore store, string contextDirectory, string dockerfile, IDiagnosticSink sink, NamedContextSet named, RegistryOptions registryOptions, Platform target)
    {
        (_store, _contextDirectory, _dockerfile, _sink, _named, _registryOptions) = (store, contextDirectory, dockerfile, sink, named, registryOptions);
        Target = New(target);
    }

    /// <summary>The target platform's resolver: COPY --from, RUN --mount=from, and every FROM without --platform.</summary>
    public BaseImageResolver Target { get; }

    /// <summary>Records a finished stage, which later stages read by its index.</summary>
    public void Built(int stageIndex, ImageState image) => _built[stageIndex] = image;

    /// <summary>
    /// A FROM's image (<paramref name="baseStage"/> for a stage built earlier), its error pointing at the FROM line:
    /// the store's or the importer's error knows no Dockerfile.
    /// </summary>
    public async Task<ImageState> ResolveFromAsync(Stage stage, string baseName, string? platform, int? baseStage, CancellationToken cancellationToken)
    {
        try
        {
            return await For(platform).ResolveAsync(baseName, baseStage, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException e) when (e.Diagnostic.File is null)
        {
            throw new ContainerizeException(e.Diagnostic with { File = _dockerfile, Line = stage.From.StartLine }, e);
        }
    }

    private BaseImageResolver For(string? platform) =>
        platform is { Length: > 0 } p && BuildPlatforms.Parse(p) is var parsed && parsed != Target.Platform ? New(parsed) : Target;

    private BaseImageResolver New(Platform platform) =>
        new(_store, _contextDirectory, _sink, _built) { NamedContexts = _named, Platform = platform, RegistryOptions = _registryOptions };
}
