using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Registry;

namespace Containerize.Tests.Registry;

/// <summary>
/// Authentication against real registries: htpasswd Basic over TLS (a CA made by openssl) and bearer tokens from
/// <see cref="TokenServer"/>. Also checks that no secret reaches a log line or an exception message.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class RegistryAuthTests
{
    private static RegistryProcess? _tls;
    private static RegistryProcess? _token;

    private static async Task<RegistryProcess> TlsAsync() => _tls ??= await RegistryProcess.StartTlsBasicAsync();

    private static async Task<RegistryProcess> TokenAsync() => _token ??= await RegistryProcess.StartTokenAsync();

    [ClassCleanup]
    public static void Cleanup()
    {
        _tls?.Dispose();
        _token?.Dispose();
        _tls = _token = null;
    }

    private static Dictionary<string, string> PushCredentials() => new()
    {
        ["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = RegistryProcess.User,
        ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = RegistryProcess.Password,
        ["DOTNET_CONTAINER_PULL_REGISTRY_UNAME"] = RegistryProcess.User,
        ["DOTNET_CONTAINER_PULL_REGISTRY_PWORD"] = RegistryProcess.Password,
    };

    [TestMethod]
    public async Task Basic_over_TLS_with_a_CA_file_round_trips()
    {
        var registry = await TlsAsync();
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        var image = await TestImages.BuildAsync(source, "local/tls:v1", [50_000], seed: 31);
        var sink = new CollectingSink();
        using var client = new RegistryClient(RegistryTestKit.Options(sink, PushCredentials()) with { CaFile = registry.CaFile });
        var remote = ImageReference.Parse($"{registry.Host}/ctz/tls:v1");
        await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/tls:v1"), remote);
        var pulled = await new ImagePuller(client, target).PullAsync(remote, Platform.LinuxAmd64);
        Assert.AreEqual(image.Manifest.Digest, pulled.ManifestDescriptor.Digest);
        await RegistryTestKit.AssertSameImageAsync(source, target, image.Manifest.Digest);
        Assert.IsTrue(sink.Messages.Any(m => m.Contains("using https", StringComparison.Ordinal)), string.Join("\n", sink.Messages));
        Assert.IsTrue(sink.Messages.Any(m => m.Contains("Basic authentication (DOTNET_CONTAINER_PUSH_REGISTRY_UNAME)", StringComparison.Ordinal)), string.Join("\n", sink.Messages));
    }

    [TestMethod]
    public async Task SSL_CERT_FILE_is_honoured_and_without_a_CA_TLS_fails_with_a_coded_error()
    {
        var registry = await TlsAsync();
        var env = PushCredentials();
        env["SSL_CERT_FILE"] = registry.CaFile!;
        using (var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink(), env)))
        {
            await client.PingAsync(registry.Host);
        }

        using var untrusted = new RegistryClient(RegistryTestKit.Options(new CollectingSink(), PushCredentials()) with { MaxRetries = 0 });
        try
        {
            await untrusted.PingAsync(registry.Host);
            Assert.Fail("an untrusted certificate was accepted");
        }
        catch (ContainerizeException e)
        {
            StringAssert.StartsWith(e.Code, "CTZ4");
            StringAssert.Contains(e.Message, registry.Host);
        }

        // Declared insecure: the certificate is not checked.
        using var insecure = new RegistryClient(RegistryTestKit.Options(new CollectingSink(), new Dictionary<string, string>(PushCredentials())
        {
            ["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = "example.com, " + registry.Host,
        }));
        await insecure.PingAsync(registry.Host);
    }

    [TestMethod]
    public async Task Missing_or_wrong_Basic_credentials_give_CTZ4001_that_says_to_log_in()
    {
        var registry = await TlsAsync();
        using var none = new RegistryClient(RegistryTestKit.Options(new CollectingSink()) with { CaFile = registry.CaFile });
        var e = await RegistryTestKit.ThrowsCodedAsync(() => none.GetManifestAsync(ImageReference.Parse($"{registry.Host}/ctz/secret:v1")), RegistryErrors.Unauthorized);
        StringAssert.Contains(e.Message, $"{registry.Host} needs credentials");
        StringAssert.Contains(e.Message, "ctz/secret");
        StringAssert.Contains(e.Diagnostic.Hint!, $"docker login {registry.Host}");

        using var wrong = new RegistryClient(RegistryTestKit.Options(new CollectingSink(), new Dictionary<string, string>
        {
            ["DOTNET_CONTAINER_REGISTRY_UNAME"] = RegistryProcess.User,
            ["DOTNET_CONTAINER_REGISTRY_PWORD"] = "wrong-password-123",
        }) with { CaFile = registry.CaFile });
        e = await RegistryTestKit.ThrowsCodedAsync(() => wrong.GetManifestAsync(ImageReference.Parse($"{registry.Host}/ctz/secret:v1")), RegistryErrors.Unauthorized);
        StringAssert.Contains(e.Message, "rejected the credentials");
    }

    [TestMethod]
    public async Task Bearer_tokens_anonymous_pull_then_credentials_for_push_and_tokens_are_cached()
    {
        var registry = await TokenAsync();
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        var image = await TestImages.BuildAsync(source, "local/token:v1", [30_000, 40_000, 50_000], seed: 32);
        var remote = ImageReference.Parse($"{registry.Host}/ctz/token:v1");

        using (var anonymous = new RegistryClient(RegistryTestKit.Options(new CollectingSink())))
        {
            var e = await RegistryTestKit.ThrowsCodedAsync(() => new ImagePusher(anonymous, source).PushAsync(ImageReference.Parse("local/token:v1"), remote), RegistryErrors.Unauthorized);
            StringAssert.Contains(e.Message, "pushing to ctz/token");
        }

        var before = registry.Tokens!.Requests;
        var sink = new CollectingSink();
        using (var client = new RegistryClient(RegistryTestKit.Options(sink, PushCredentials())))
        {
            await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/token:v1"), remote);
        }

        // One anonymous try (pull only, not enough), one with credentials; then the cached token serves every request.
        Assert.AreEqual(2, registry.Tokens.Requests - before, string.Join("\n", sink.Messages));
        Assert.AreEqual(1, registry.Tokens.CredentialedRequests);

        before = registry.Tokens.Requests;
        using (var anonymous = new RegistryClient(RegistryTestKit.Options(new CollectingSink())))
        {
            var pulled = await new ImagePuller(anonymous, target).PullAsync(remote, Platform.LinuxAmd64);
            Assert.AreEqual(image.Manifest.Digest, pulled.ManifestDescriptor.Digest);
        }

        Assert.AreEqual(1, registry.Tokens.Requests - before, "one anonymous token for the whole pull");
        Assert.AreEqual(1, registry.Tokens.CredentialedRequests, "no credentials needed to pull");
        await RegistryTestKit.AssertSameImageAsync(source, target, image.Manifest.Digest);
    }

    [TestMethod]
    public async Task No_credential_or_token_appears_in_logs_or_exception_messages()
    {
        var tls = await TlsAsync();
        var token = await TokenAsync();
        var (source, d1) = RegistryTestKit.NewStore();
        using var _ = d1;
        await TestImages.BuildAsync(source, "local/leak:v1", [1_000], seed: 33);
        var sink = new CollectingSink();
        var texts = new List<string>();
        async Task Capture(Func<Task> action)
        {
            try
            {
                await action();
            }
            catch (Exception e)
            {
                texts.Add(e.ToString());
                if (e is ContainerizeException c) texts.Add(c.Diagnostic.ToDisplayString());
            }
        }

        var wrongPassword = "Wr0ng-" + TestImages.RandomHex(8);
        foreach (var env in new[]
        {
            PushCredentials(),
            new Dictionary<string, string> { ["DOTNET_CONTAINER_REGISTRY_UNAME"] = RegistryProcess.User, ["DOTNET_CONTAINER_REGISTRY_PWORD"] = wrongPassword },
        })
        {
            foreach (var registry in new[] { tls, token })
            {
                using var client = new RegistryClient(RegistryTestKit.Options(sink, env) with { CaFile = tls.CaFile, MaxRetries = 1 });
                await Capture(() => new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/leak:v1"), ImageReference.Parse($"{registry.Host}/ctz/leak:v1")));
                await Capture(() => client.GetManifestAsync(ImageReference.Parse($"{registry.Host}/ctz/missing:v1")));
                await Capture(() => client.PullBlobAsync(registry.Host, "ctz/leak", new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Sha256([9]), Size = 1 }, source));
            }
        }

        texts.AddRange(sink.Messages);
        texts.AddRange(sink.Diagnostics.Select(d => d.ToDisplayString()));
        texts.Add(new RegistryCredential(RegistryProcess.User, RegistryProcess.Password) { Source = "test" }.ToString());
        Assert.IsGreaterThan(5, texts.Count);
        var all = string.Join("\n", texts);
        StringAssert.Contains(all, "rejected the credentials", "the wrong-password case was exercised");
        foreach (var secret in new[]
        {
            RegistryProcess.Password,
            wrongPassword,
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryProcess.User}:{RegistryProcess.Password}")),
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryProcess.User}:{wrongPassword}")),
            "eyJ", // any JWT
        })
        {
            Assert.DoesNotContain(secret, all, $"a secret leaked: {secret}");
        }
    }
}
