using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Registry;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Registry;

/// <summary>The parts of the registry client that need no registry: RIDs, platforms, challenges, credentials, hosts.</summary>
[TestClass]
public sealed class RegistryUnitTests
{
    [TestMethod]
    [DataRow("linux-x64", "linux/amd64")]
    [DataRow("linux-musl-x64", "linux/amd64")]
    [DataRow("linux-arm64", "linux/arm64/v8")]
    [DataRow("linux-musl-arm64", "linux/arm64/v8")]
    [DataRow("linux-arm", "linux/arm/v7")]
    [DataRow("linux-musl-arm", "linux/arm/v7")]
    [DataRow("linux-x86", "linux/386")]
    [DataRow("linux-s390x", "linux/s390x")]
    [DataRow("linux-ppc64le", "linux/ppc64le")]
    [DataRow("linux-riscv64", "linux/riscv64")]
    [DataRow("linux-bionic-arm64", "linux/arm64/v8")]
    [DataRow("ubuntu.22.04-x64", "linux/amd64")]
    [DataRow("alpine.3.19-arm64", "linux/arm64/v8")]
    public void Runtime_identifiers_map_to_OCI_platforms(string rid, string platform) =>
        Assert.AreEqual(platform, PlatformSelection.FromRuntimeIdentifier(rid).ToString());

    [TestMethod]
    [DataRow("win-x64")]
    [DataRow("osx-arm64")]
    [DataRow("linux-sparc")]
    [DataRow("x64")]
    public void Non_linux_or_unknown_runtime_identifiers_are_coded_errors(string rid)
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => PlatformSelection.FromRuntimeIdentifier(rid));
        Assert.AreEqual(RegistryErrors.UnknownRuntimeIdentifier, e.Code);
        StringAssert.Contains(e.Message, rid);
    }

    [TestMethod]
    public void Platform_selection_prefers_the_exact_variant_and_skips_attestations()
    {
        static Descriptor M(string arch, string? variant, string os = "linux") => new()
        {
            MediaType = MediaTypes.OciManifest,
            Digest = Digest.Sha256(Encoding.UTF8.GetBytes(os + arch + variant)),
            Size = 1,
            Platform = new Platform { Os = os, Architecture = arch, Variant = variant },
        };
        var index = new ImageIndex { Manifests = [M("unknown", null, "unknown"), M("amd64", null), M("arm", "v6"), M("arm", "v7"), M("arm64", "v8")] };
        Assert.AreEqual(index.Manifests[3], PlatformSelection.Select(index, Platform.Parse("linux/arm/v7"), "x"));
        Assert.AreEqual(index.Manifests[2], PlatformSelection.Select(index, Platform.Parse("linux/arm/v6"), "x"));
        Assert.AreEqual(index.Manifests[4], PlatformSelection.Select(index, Platform.Parse("linux/arm64"), "x"));
        Assert.AreEqual(index.Manifests[1], PlatformSelection.Select(index, PlatformSelection.FromRuntimeIdentifier("linux-musl-x64"), "x"));
        var v8Only = new ImageIndex { Manifests = [M("arm", "v6")] };
        Assert.AreEqual(v8Only.Manifests[0], PlatformSelection.Select(v8Only, Platform.Parse("linux/arm/v7"), "x"), "a v7 machine runs v6 images");
        var e = Assert.ThrowsExactly<ContainerizeException>(() => PlatformSelection.Select(v8Only, Platform.Parse("linux/arm/v5"), "base:1"));
        Assert.AreEqual(RegistryErrors.NoMatchingPlatform, e.Code);
        StringAssert.Contains(e.Message, "linux/arm/v6");
    }

    [TestMethod]
    public void Challenges_parse_quoted_parameters_with_commas()
    {
        var c = AuthChallenge.Parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:a/b:pull,push repository:c:pull\",error=\"insufficient_scope\"")!;
        Assert.IsTrue(c.IsBearer);
        Assert.AreEqual("https://auth.docker.io/token", c.Realm);
        Assert.AreEqual("registry.docker.io", c.Service);
        Assert.AreEqual("repository:a/b:pull,push repository:c:pull", c.Scope);
        Assert.AreEqual("insufficient_scope", c.Error);
        var basic = AuthChallenge.Parse("Basic realm=\"Registry Realm\"")!;
        Assert.IsTrue(basic.IsBasic);
        Assert.AreEqual("Registry Realm", basic.Realm);
        Assert.AreEqual("a\"b", AuthChallenge.Parse("Bearer realm=\"a\\\"b\"")!.Realm);
        Assert.IsNull(AuthChallenge.Parse(""));
    }

    private static ICredentialProvider Provider(TempDir dir, Dictionary<string, string>? env = null, string? configJson = null)
    {
        if (configJson is not null) dir.Write("docker/config.json", configJson);
        var environment = new Dictionary<string, string>(env ?? []) { ["DOCKER_CONFIG"] = dir.Combine("docker"), ["PATH"] = dir.Combine("bin") };
        return new DockerCredentialProvider(n => environment.GetValueOrDefault(n));
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [TestMethod]
    public async Task Docker_config_auths_match_hosts_as_Docker_does()
    {
        using var dir = new TempDir();
        var p = Provider(dir, configJson: $$"""
            {
              "auths": {
                "https://index.docker.io/v1/": { "auth": "{{B64("hubuser:hubpass")}}" },
                "https://myregistry.example.com:5000/v2/": { "auth": "{{B64("me:pw:with:colons")}}" },
                "ghcr.io": { "identitytoken": "refresh-token-value", "username": "x" },
                "empty.example.com": {}
              }
            }
            """);
        var hub = await p.GetAsync("docker.io", RegistryMode.Pull, default);
        Assert.AreEqual("hubuser", hub!.Username);
        Assert.AreEqual("hubpass", hub.Password);
        Assert.AreEqual("hubuser", (await p.GetAsync("index.docker.io", RegistryMode.Push, default))!.Username);
        var mine = await p.GetAsync("myregistry.example.com:5000", RegistryMode.Pull, default);
        Assert.AreEqual("me", mine!.Username);
        Assert.AreEqual("pw:with:colons", mine.Password);
        Assert.IsNull(await p.GetAsync("myregistry.example.com", RegistryMode.Pull, default), "the port is part of the host");
        Assert.AreEqual("refresh-token-value", (await p.GetAsync("ghcr.io", RegistryMode.Pull, default))!.IdentityToken);
        Assert.IsNull(await p.GetAsync("empty.example.com", RegistryMode.Pull, default));
        Assert.IsNull(await p.GetAsync("other.example.com", RegistryMode.Pull, default));
        Assert.DoesNotContain("hubpass", hub.ToString());
    }

    [TestMethod]
    public async Task SDK_variables_win_by_mode_then_generic_then_legacy()
    {
        using var dir = new TempDir();
        var config = $$"""{ "auths": { "r.example.com": { "auth": "{{B64("fromconfig:pw")}}" } } }""";
        var all = new Dictionary<string, string>
        {
            ["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "push", ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = "p1",
            ["DOTNET_CONTAINER_PULL_REGISTRY_UNAME"] = "pull", ["DOTNET_CONTAINER_PULL_REGISTRY_PWORD"] = "p2",
            ["DOTNET_CONTAINER_REGISTRY_UNAME"] = "generic", ["DOTNET_CONTAINER_REGISTRY_PWORD"] = "p3",
            ["SDK_CONTAINER_REGISTRY_UNAME"] = "legacy", ["SDK_CONTAINER_REGISTRY_PWORD"] = "p4",
        };
        var p = Provider(dir, all, config);
        Assert.AreEqual("push", (await p.GetAsync("r.example.com", RegistryMode.Push, default))!.Username);
        Assert.AreEqual("pull", (await p.GetAsync("r.example.com", RegistryMode.Pull, default))!.Username);
        all.Remove("DOTNET_CONTAINER_PUSH_REGISTRY_UNAME");
        Assert.AreEqual("generic", (await Provider(dir, all).GetAsync("r.example.com", RegistryMode.Push, default))!.Username);
        all.Remove("DOTNET_CONTAINER_REGISTRY_PWORD");
        Assert.AreEqual("legacy", (await Provider(dir, all).GetAsync("r.example.com", RegistryMode.Push, default))!.Username);
        Assert.AreEqual("fromconfig", (await Provider(dir, null).GetAsync("r.example.com", RegistryMode.Push, default))!.Username);
    }

    [TestMethod]
    public async Task Credential_helpers_run_with_the_server_URL_on_stdin()
    {
        using var dir = new TempDir();
        // A helper that records what it was asked and answers for two servers only.
        dir.Write("bin/docker-credential-fake", $$"""
            #!/bin/sh
            read server
            echo "$1 $server" >> "{{dir.Combine("asked.txt")}}"
            case "$server" in
              https://index.docker.io/v1/) echo '{"ServerURL":"x","Username":"hubhelper","Secret":"hubsecret"}' ;;
              helped.example.com) echo '{"ServerURL":"x","Username":"<token>","Secret":"idtoken"}' ;;
              *) echo "credentials not found in native keychain"; exit 1 ;;
            esac
            """);
        dir.Write("bin/docker-credential-broken", "#!/bin/sh\necho 'the keychain is locked' >&2\nexit 3\n");
        if (OperatingSystem.IsWindows()) Assert.Inconclusive("credential helpers are shell scripts here");
        else foreach (var f in Directory.GetFiles(dir.Combine("bin"))) File.SetUnixFileMode(f, (UnixFileMode)0x1ed);

        var p = Provider(dir, configJson: """
            { "auths": { "helped.example.com": {} }, "credsStore": "fake", "credHelpers": { "locked.example.com": "broken", "gone.example.com": "missing" } }
            """);
        var hub = await p.GetAsync("docker.io", RegistryMode.Pull, default);
        Assert.AreEqual("hubhelper", hub!.Username);
        Assert.AreEqual("hubsecret", hub.Password);
        var helped = await p.GetAsync("helped.example.com", RegistryMode.Pull, default);
        Assert.AreEqual("idtoken", helped!.IdentityToken);
        Assert.IsNull(helped.Username);
        Assert.IsNull(await p.GetAsync("unknown.example.com", RegistryMode.Pull, default));
        StringAssert.Contains(File.ReadAllText(dir.Combine("asked.txt")), "get https://index.docker.io/v1/\nget helped.example.com\n");

        var locked = await RegistryTestKit.ThrowsCodedAsync(() => p.GetAsync("locked.example.com", RegistryMode.Pull, default), RegistryErrors.CredentialHelperFailed);
        StringAssert.Contains(locked.Message, "the keychain is locked");
        await RegistryTestKit.ThrowsCodedAsync(() => p.GetAsync("gone.example.com", RegistryMode.Pull, default), RegistryErrors.CredentialHelperFailed);
    }

    [TestMethod]
    public async Task A_malformed_docker_config_is_a_coded_error()
    {
        using var dir = new TempDir();
        var p = Provider(dir, configJson: "{ not json");
        var e = await RegistryTestKit.ThrowsCodedAsync(() => p.GetAsync("x.example.com", RegistryMode.Pull, default), RegistryErrors.BadDockerConfig);
        StringAssert.Contains(e.Diagnostic.File!, "config.json");
    }

    [TestMethod]
    public void Insecure_registries_come_from_the_SDK_variable_the_options_and_loopback_rules()
    {
        var options = new RegistryOptions { Environment = n => n == "DOTNET_CONTAINER_INSECURE_REGISTRIES" ? "a.example.com, b.example.com:5000 ,https://c.example.com" : null };
        Assert.IsTrue(RegistryHost.IsDeclaredInsecure("a.example.com", options));
        Assert.IsTrue(RegistryHost.IsDeclaredInsecure("a.example.com:8443", options), "an entry without a port covers every port");
        Assert.IsTrue(RegistryHost.IsDeclaredInsecure("b.example.com:5000", options));
        Assert.IsFalse(RegistryHost.IsDeclaredInsecure("b.example.com:6000", options));
        Assert.IsTrue(RegistryHost.IsDeclaredInsecure("c.example.com", options));
        Assert.IsFalse(RegistryHost.IsDeclaredInsecure("d.example.com", options));
        Assert.IsTrue(RegistryHost.IsDeclaredInsecure("d.example.com", options with { InsecureRegistries = ["d.example.com"] }));
        Assert.IsTrue(RegistryHost.IsDeclaredInsecure("anything", options with { Insecure = true }));
        Assert.IsTrue(RegistryHost.IsLoopback("localhost:5000"));
        Assert.IsTrue(RegistryHost.IsLoopback("127.0.0.1:5000"));
        Assert.IsTrue(RegistryHost.IsLoopback("127.1.2.3"));
        Assert.IsTrue(RegistryHost.IsLoopback("[::1]:5000"));
        Assert.IsFalse(RegistryHost.IsLoopback("10.0.0.1:5000"));
        Assert.IsFalse(RegistryHost.IsLoopback("localhost.example.com"));
    }

    [TestMethod]
    public async Task Offline_mode_never_opens_a_connection()
    {
        var (store, dir) = RegistryTestKit.NewStore();
        using var _ = dir;
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()) with { Offline = true });
        // 203.0.113.1 is TEST-NET-3: a connection attempt would hang, not fail fast; offline must not try.
        var e = await RegistryTestKit.ThrowsCodedAsync(() => new ImagePuller(client, store).PullAsync(ImageReference.Parse("203.0.113.1/x/y:1")), RegistryErrors.NotCached);
        StringAssert.Contains(e.Diagnostic.Hint!, "containerize pull");
        await RegistryTestKit.ThrowsCodedAsync(() => client.PingAsync("203.0.113.1"), RegistryErrors.NotCached);
    }

    [TestMethod]
    public void AnExplicitCaFileIsReadAtOnceButSslCertFileOnlyWhenACertificateNeedsIt()
    {
        using var dir = new TempDir();
        var garbage = dir.Write("not-a-bundle.pem", "no certificates here\n");
        // --ca-file / CaFile: a bad file is a coded error before any request.
        var e = Assert.ThrowsExactly<ContainerizeException>(() => new RegistryClient(new RegistryOptions { CaFile = garbage }));
        Assert.AreEqual(RegistryErrors.BadCaFile, e.Code);
        // SSL_CERT_FILE often names the whole system bundle: it is not parsed by every client that never meets TLS.
        using var client = new RegistryClient(new RegistryOptions { Environment = name => name == "SSL_CERT_FILE" ? garbage : null });
        // Read lazily, it is read on the first certificate the system rejects: unreadable, it adds no trust (no throw).
        var tls = new RegistryTls(garbage, _ => false, lazy: true);
        using var key = System.Security.Cryptography.ECDsa.Create();
        using var self = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=example.com", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.IsFalse(tls.Validate("example.com", self, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
        // Read at once, the same file is the coded error.
        Assert.AreEqual(RegistryErrors.BadCaFile, Assert.ThrowsExactly<ContainerizeException>(() => new RegistryTls(garbage, _ => false)).Code);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task WarmingUpAnUnreachableRegistryDoesNotThrowAndThePushStillReportsIt()
    {
        // Nothing listens on port 1: the warm-up swallows it, the real request reports it with its code.
        using var client = new RegistryClient(new RegistryOptions { ConnectTimeout = TimeSpan.FromSeconds(2), MaxRetries = 0 });
        var reference = ImageReference.Parse("127.0.0.1:1/team/app:1");
        await client.WarmUpAsync(reference, RegistryMode.Push);
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => client.HeadManifestAsync(reference, RegistryMode.Push));
        Assert.AreEqual(RegistryErrors.Unreachable, e.Code);
    }
}
