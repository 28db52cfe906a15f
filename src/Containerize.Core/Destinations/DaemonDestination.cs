using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;

namespace Containerize.Core.Destinations;

/// <summary>
/// <c>docker load</c> / <c>podman load</c> of the loadable image, streamed as a docker-archive. By default the engine is
/// located (<see cref="EngineLocator"/>, the daemon itself) and <see cref="DaemonLoader"/> skips the load when the
/// daemon holds the image ID; with <see cref="Client"/>, that program is run as given (<c>load-into --client</c>) by
/// <see cref="EngineLoader"/>, which reports its failures with the store's codes (CTZ3xxx) and prints what it loaded.
/// </summary>
public sealed record DaemonDestination(EngineKind Engine) : IImageDestination
{
    /// <summary>A client program used as given, without probing.</summary>
    public string? Client { get; init; }

    /// <summary>
    /// The .NET SDK's implicit destination (no registry, no archive, no LocalRegistry): a daemon only when one answers;
    /// otherwise the image stays in the store and nothing is loaded.
    /// </summary>
    public bool OnlyIfAnswering { get; init; }

    /// <summary>How the engine is located (a PATH to search, its variables); the daemon itself is always what is asked for.</summary>
    public EngineLocatorOptions? Locator { get; init; }

    /// <summary>Keep the locator's probe lines out of the log (a publish's log never listed them; a build's -v log does).</summary>
    public bool QuietProbe { get; init; }

    public bool Distributes => false;

    private string EngineName => Engine.ToString().ToLowerInvariant();

    public Task<SendResult> SendAsync(OciLayoutStore store, OutgoingImage image, IDiagnosticSink sink, CancellationToken cancellationToken) =>
        ExportScratch.RunAsync(store, image.Platform, async exporter =>
        {
            var first = image.Names.FirstOrDefault();
            if (Client is { } program)
            {
                var output = await EngineLoader.LoadAsync(program, exporter, image.Loadable, first, cancellationToken).ConfigureAwait(false);
                return new SendResult(this) { LoadedInto = EngineName, LoadOutput = output };
            }

            var options = (Locator ?? new EngineLocatorOptions()) with { DaemonOnly = true, Preference = BuilderPreference.Classic };
            EngineClient client;
            try
            {
                client = await EngineLocator.FindAsync(Engine, options, QuietProbe ? NullSink.Instance : sink, cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerizeException e) when (OnlyIfAnswering && e.Code is HandoffErrors.ClientNotFound or HandoffErrors.DaemonUnreachable)
            {
                sink.Detail($"no {Engine} daemon answered ({e.Diagnostic.Message}); the image stays in the local store");
                return new SendResult(this);
            }

            var loaded = await DaemonLoader.LoadAsync(client, (s, ct) => exporter.WriteDockerArchiveAsync(image.Loadable, first, s, ct), image.ImageId?.ToString(),
                image.Names.Select(n => n.FamiliarString).ToList(), options.Environment, sink, cancellationToken).ConfigureAwait(false);
            return new SendResult(this) { LoadedInto = EngineName, AlreadyHeld = loaded.Skipped };
        });

    public override string ToString() => EngineName;
}
