using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Registry;

/// <summary>Helpers shared by the registry tests: clients with fast retries, stores in temp folders, comparisons.</summary>
internal static class RegistryTestKit
{
    /// <summary>Options for tests: short backoff so that fault tests stay quick, no ambient credentials.</summary>
    public static RegistryOptions Options(IDiagnosticSink sink, IReadOnlyDictionary<string, string>? environment = null) => new()
    {
        Sink = sink,
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromSeconds(3),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(20),
        Environment = name => environment?.GetValueOrDefault(name) ?? (name == "HOME" ? "/nonexistent-ctz-home" : null),
    };

    public static (OciLayoutStore Store, TempDir Dir) NewStore()
    {
        var dir = new TempDir("ctz-store");
        return (OciLayoutStore.OpenOrCreateAsync(dir.Combine("store")).GetAwaiter().GetResult(), dir);
    }

    /// <summary>Every blob file of the image (manifest, config, layers) must be byte-identical in both stores.</summary>
    public static async Task AssertSameImageAsync(OciLayoutStore expected, OciLayoutStore actual, Digest manifest)
    {
        Assert.IsTrue(await actual.HasBlobAsync(manifest), $"manifest {manifest} missing");
        var document = OciJson.DeserializeManifest(await File.ReadAllBytesAsync(actual.BlobPath(manifest)));
        foreach (var blob in document.Layers.Append(document.Config).Select(b => b.Digest).Append(manifest))
        {
            CollectionAssert.AreEqual(await File.ReadAllBytesAsync(expected.BlobPath(blob)), await File.ReadAllBytesAsync(actual.BlobPath(blob)), $"blob {blob}");
        }
    }

    public static async Task<ContainerizeException> ThrowsCodedAsync(Func<Task> action, string code)
    {
        try
        {
            await action();
        }
        catch (ContainerizeException e)
        {
            Assert.AreEqual(code, e.Code, e.Diagnostic.ToDisplayString());
            return e;
        }

        Assert.Fail($"expected {code}");
        throw new InvalidOperationException();
    }
}
