using System.Text;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;
using Containerize.Core.Supply;
using Containerize.Core.Supply.Signing;
using Containerize.Tests.Infrastructure;
using Containerize.Tests.Registry;

namespace Containerize.Tests.Supply;

/// <summary>
/// cosign-format signatures: keys made by openssl, images in a real registry (docker-registry), the signature image
/// read back with skopeo and the signature checked by openssl, independently of our code.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class SigningTests
{
    private const string Password = "correct horse battery staple 8042";
    private static RegistryProcess? _registry;
    private static TempDir? _keys;

    [ClassCleanup]
    public static void Cleanup()
    {
        _registry?.Dispose();
        _registry = null;
        _keys?.Dispose();
        _keys = null;
    }

    /// <summary>The keys of every test, made once with openssl: P-256 (PKCS#8, SEC1 with parameters, encrypted), RSA, P-384, Ed25519.</summary>
    private static async Task<TempDir> KeysAsync()
    {
        if (_keys is not null) return _keys;
        var openssl = Requirements.Tool("openssl");
        var d = new TempDir("ctz-keys");
        async Task Run(params string[] args) => (await ProcessRunner.RunAsync(openssl, args, d.Path)).EnsureSuccess("openssl " + string.Join(' ', args));
        await Run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem");
        await Run("pkey", "-in", "ec.pem", "-pubout", "-out", "ec.pub");
        await Run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.pem");
        await Run("pkey", "-in", "other.pem", "-pubout", "-out", "other.pub");
        await Run("ecparam", "-name", "prime256v1", "-genkey", "-out", "sec1.pem");
        await Run("pkcs8", "-topk8", "-in", "ec.pem", "-v2", "aes-256-cbc", "-passout", "pass:" + Password, "-out", "encrypted.pem");
        await Run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem");
        await Run("pkey", "-in", "rsa.pem", "-pubout", "-out", "rsa.pub");
        await Run("pkcs8", "-topk8", "-in", "rsa.pem", "-v2", "aes-256-cbc", "-passout", "pass:" + Password, "-out", "rsa-encrypted.pem");
        await Run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "p384.pem");
        await Run("genpkey", "-algorithm", "ed25519", "-out", "ed25519.pem");
        d.Write("garbage.pem", "this is not a key\n-----BEGIN PRIVATE KEY-----\n!!!notbase64!!!\n-----END PRIVATE KEY-----\n");
        File.WriteAllBytes(d.Combine("huge.pem"), new byte[KeyFileLimit + 1]);
        return _keys = d;
    }

    private const int KeyFileLimit = 64 * 1024;

    private static async Task<(RegistryProcess Registry, Digest Digest, string Reference)> PushedImageAsync(string repository, int seed)
    {
        var registry = _registry ??= await RegistryProcess.StartPlainAsync();
        var (store, dir) = RegistryTestKit.NewStore();
        using var _ = dir;
        var image = await TestImages.BuildAsync(store, $"local/{repository}:v1", [2_000], seed: seed);
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        var reference = $"{registry.Host}/ctz/{repository}:v1";
        await new ImagePusher(client, store).PushAsync(ImageReference.Parse($"local/{repository}:v1"), ImageReference.Parse(reference));
        return (registry, image.Manifest.Digest, reference);
    }

    private static async Task<JsonDocument> SkopeoRawAsync(string reference)
    {
        var skopeo = Requirements.Tool("skopeo");
        var raw = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", "--tls-verify=false", "docker://" + reference])).EnsureSuccess("skopeo inspect --raw");
        return JsonDocument.Parse(raw.StdOut);
    }

    private static async Task<byte[]> BlobAsync(RegistryProcess registry, string repository, string digest)
    {
        using var http = new HttpClient();
        return await http.GetByteArrayAsync($"http://{registry.Host}/v2/{repository}/blobs/{digest}");
    }

    [TestMethod]
    public async Task Sign_writes_cosigns_signature_image_and_openssl_verifies_it()
    {
        var keys = await KeysAsync();
        var (registry, digest, reference) = await PushedImageAsync("signed", seed: 81);

        var sign = await CliRunner.RunAsync(keys.Path, "sign", reference, "--key", "ec.pem");
        Assert.AreEqual(0, sign.ExitCode, sign.StdErr);
        var tag = $"sha256-{digest.Encoded}.sig";
        StringAssert.Contains(sign.StdOut, $"{registry.Host}/ctz/signed:{tag}");

        using var manifest = await SkopeoRawAsync($"{registry.Host}/ctz/signed:{tag}");
        var root = manifest.RootElement;
        Assert.AreEqual(MediaTypes.OciManifest, root.GetProperty("mediaType").GetString());
        Assert.AreEqual(MediaTypes.OciConfig, root.GetProperty("config").GetProperty("mediaType").GetString());
        var layers = root.GetProperty("layers");
        Assert.AreEqual(1, layers.GetArrayLength());
        var layer = layers[0];
        Assert.AreEqual("application/vnd.dev.cosign.simplesigning.v1+json", layer.GetProperty("mediaType").GetString());
        var signature = Convert.FromBase64String(layer.GetProperty("annotations").GetProperty("dev.cosignproject.cosign/signature").GetString()!);

        var payload = await BlobAsync(registry, "ctz/signed", layer.GetProperty("digest").GetString()!);
        Assert.AreEqual(
            $"{{\"critical\":{{\"identity\":{{\"docker-reference\":\"{registry.Host}/ctz/signed\"}},\"image\":{{\"docker-manifest-digest\":\"{digest}\"}},\"type\":\"cosign container image signature\"}},\"optional\":null}}",
            Encoding.UTF8.GetString(payload), "the payload, byte for byte as cosign writes it");
        using (var parsed = JsonDocument.Parse(payload))
        {
            Assert.AreEqual(digest.ToString(), parsed.RootElement.GetProperty("critical").GetProperty("image").GetProperty("docker-manifest-digest").GetString());
        }

        var config = await BlobAsync(registry, "ctz/signed", root.GetProperty("config").GetProperty("digest").GetString()!);
        Assert.AreEqual(
            $"{{\"architecture\":\"\",\"created\":\"0001-01-01T00:00:00Z\",\"history\":[{{\"created\":\"0001-01-01T00:00:00Z\"}}],\"os\":\"\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{Digest.Sha256(payload)}\"]}},\"config\":{{}}}}",
            Encoding.UTF8.GetString(config), "the config go-containerregistry computes for one appended layer");

        // The independent check: openssl, given only the public key, the payload and the DER signature.
        File.WriteAllBytes(keys.Combine("payload.json"), payload);
        File.WriteAllBytes(keys.Combine("sig.der"), signature);
        var openssl = await ProcessRunner.RunAsync(Requirements.Tool("openssl"), ["dgst", "-sha256", "-verify", "ec.pub", "-signature", "sig.der", "payload.json"], keys.Path);
        Assert.AreEqual(0, openssl.ExitCode, openssl.StdOut + openssl.StdErr);
        StringAssert.Contains(openssl.StdOut, "Verified OK");
        var wrong = await ProcessRunner.RunAsync(Requirements.Tool("openssl"), ["dgst", "-sha256", "-verify", "other.pub", "-signature", "sig.der", "payload.json"], keys.Path);
        Assert.AreNotEqual(0, wrong.ExitCode, "openssl must reject the signature with another key");
    }

    [TestMethod]
    public async Task Verify_passes_with_the_public_key_and_fails_CTZ8044_with_another_and_CTZ8045_unsigned()
    {
        var keys = await KeysAsync();
        var (_, digest, reference) = await PushedImageAsync("verified", seed: 82);

        var unsigned = await CliRunner.RunAsync(keys.Path, "verify", reference, "--key", "ec.pub");
        Assert.AreEqual(1, unsigned.ExitCode);
        StringAssert.Contains(unsigned.StdErr, "CTZ8045");

        Assert.AreEqual(0, (await CliRunner.RunAsync(keys.Path, "sign", reference, "--key", "ec.pem")).ExitCode);
        var verify = await CliRunner.RunAsync(keys.Path, "verify", reference, "--key", "ec.pub");
        Assert.AreEqual(0, verify.ExitCode, verify.StdErr);
        StringAssert.Contains(verify.StdOut, $"verified {digest}");

        var other = await CliRunner.RunAsync(keys.Path, "verify", reference, "--key", "other.pub");
        Assert.AreEqual(1, other.ExitCode);
        StringAssert.Contains(other.StdErr, "CTZ8044");

        var byDigest = await CliRunner.RunAsync(keys.Path, "verify", reference.Replace(":v1", "@" + digest, StringComparison.Ordinal), "--key", "ec.pub");
        Assert.AreEqual(0, byDigest.ExitCode, byDigest.StdErr);
    }

    [TestMethod]
    public async Task Signing_again_writes_nothing_and_a_second_key_adds_a_layer()
    {
        var keys = await KeysAsync();
        var (registry, digest, reference) = await PushedImageAsync("resigned", seed: 83);
        var sigReference = ImageReference.Parse($"{registry.Host}/ctz/resigned:sha256-{digest.Encoded}.sig");
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));

        Assert.AreEqual(0, (await CliRunner.RunAsync(keys.Path, "sign", reference, "--key", "ec.pem")).ExitCode);
        var first = (await client.HeadManifestAsync(sigReference))!.Digest;

        var again = await CliRunner.RunAsync(keys.Path, "sign", reference, "--key", "ec.pem");
        Assert.AreEqual(0, again.ExitCode, again.StdErr);
        StringAssert.Contains(again.StdOut, "nothing written");
        Assert.AreEqual(first, (await client.HeadManifestAsync(sigReference))!.Digest, "a re-sign leaves the signature image as it was");

        // The same key through Core: no write, and the result says so.
        using (var key = SigningKey.Load(keys.Combine("ec.pem")))
        {
            var result = await ImageSigner.SignAsync(SignatureTarget.InRegistry(client, ImageReference.Parse(reference)), digest, $"{registry.Host}/ctz/resigned", key);
            Assert.IsFalse(result.Added);
            Assert.AreEqual(first, result.SignatureManifest);
        }

        // Another key's signature is another layer; both keys then verify.
        Assert.AreEqual(0, (await CliRunner.RunAsync(keys.Path, "sign", reference, "--key", "other.pem")).ExitCode);
        using var manifest = await SkopeoRawAsync(sigReference.ToString());
        Assert.AreEqual(2, manifest.RootElement.GetProperty("layers").GetArrayLength());
        Assert.AreEqual(0, (await CliRunner.RunAsync(keys.Path, "verify", reference, "--key", "ec.pub")).ExitCode);
        Assert.AreEqual(0, (await CliRunner.RunAsync(keys.Path, "verify", reference, "--key", "other.pub")).ExitCode);
    }

    [TestMethod]
    public async Task An_index_is_signed_by_the_index_digest()
    {
        var keys = await KeysAsync();
        var registry = _registry ??= await RegistryProcess.StartPlainAsync();
        var (store, dir) = RegistryTestKit.NewStore();
        using var _ = dir;
        var (index, _, _) = await TestImages.BuildIndexAsync(store, "local/multi:v1");
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        var reference = $"{registry.Host}/ctz/multi:v1";
        await new ImagePusher(client, store).PushAsync(ImageReference.Parse("local/multi:v1"), ImageReference.Parse(reference));

        var sign = await CliRunner.RunAsync(keys.Path, "sign", reference, "--key", "ec.pem");
        Assert.AreEqual(0, sign.ExitCode, sign.StdErr);
        StringAssert.Contains(sign.StdOut, $"sha256-{index.Digest.Encoded}.sig");
        var verify = await CliRunner.RunAsync(keys.Path, "verify", reference, "--key", "ec.pub");
        Assert.AreEqual(0, verify.ExitCode, verify.StdErr);
        StringAssert.Contains(verify.StdOut, index.Digest.ToString());
    }

    [TestMethod]
    public async Task Sign_and_verify_in_the_store_and_in_an_OCI_layout()
    {
        var keys = await KeysAsync();
        using var dir = new TempDir("ctz-signstore");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.BuildAsync(store, "example.com/app:1.0", [1_000], seed: 84);

        var sign = await CliRunner.RunAsync(keys.Path, "sign", "--local", "--store", dir.Combine("store"), "example.com/app:1.0", "--key", "sec1.pem");
        Assert.AreEqual(0, sign.ExitCode, sign.StdErr);
        var sigName = ImageReference.Parse($"example.com/app:sha256-{image.Manifest.Digest.Encoded}.sig");
        var sig = await store.ResolveAsync(sigName);
        Assert.IsNotNull(sig, "the signature image is tagged in the store beside the image");
        var layer = (await store.ReadManifestAsync(sig!)).Layers.Single();
        var payload = SimpleSigningPayload.TryParse(await store.ReadBlobBytesAsync(layer));
        Assert.AreEqual(new SimpleSigningPayload("example.com/app", image.Manifest.Digest), payload);

        // The SEC1 key's public half, written by openssl, verifies it.
        (await ProcessRunner.RunAsync(Requirements.Tool("openssl"), ["pkey", "-in", "sec1.pem", "-pubout", "-out", "sec1.pub"], keys.Path)).EnsureSuccess("openssl pkey");
        var verify = await CliRunner.RunAsync(keys.Path, "verify", "--local", "--store", dir.Combine("store"), "example.com/app:1.0", "--key", "sec1.pub");
        Assert.AreEqual(0, verify.ExitCode, verify.StdErr);

        // An OCI layout: the signature is the entry named sha256-HEX.sig; the image's recorded name is the identity.
        var save = await CliRunner.RunAsync(dir.Path, "save", "--store", "store", "example.com/app:1.0", "--output", "oci-layout:layout:1.0");
        Assert.AreEqual(0, save.ExitCode, save.StdErr);
        var variable = "CTZ_TEST_SIGN_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, Password);
        try
        {
            var layoutSign = await CliRunner.RunAsync(dir.Path, "sign", "oci-layout://layout:1.0", "--key", keys.Combine("encrypted.pem"), "--password-env", variable);
            Assert.AreEqual(0, layoutSign.ExitCode, layoutSign.StdErr);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        var layout = OciLayoutStore.OpenExisting(dir.Combine("layout"));
        Assert.IsTrue((await layout.ListTagsAsync()).Any(t => t.RefName == $"sha256-{image.Manifest.Digest.Encoded}.sig"));
        var layoutVerify = await CliRunner.RunAsync(dir.Path, "verify", "oci-layout://layout:1.0", "--key", keys.Combine("ec.pub"));
        Assert.AreEqual(0, layoutVerify.ExitCode, layoutVerify.StdErr);
        StringAssert.Contains(layoutVerify.StdOut, "example.com/app");
    }

    [TestMethod]
    public async Task Encrypted_key_opens_with_the_password_from_the_named_variable()
    {
        var keys = await KeysAsync();
        var environment = new Dictionary<string, string> { ["MY_KEY_PASSWORD"] = Password };
        using var key = SigningKey.Load(keys.Combine("encrypted.pem"), "MY_KEY_PASSWORD", environment.GetValueOrDefault);
        using var plain = SigningKey.Load(keys.Combine("ec.pem"));
        var payload = new SimpleSigningPayload("localhost:5000/app", Digest.Sha256("x"u8)).ToBytes();
        // encrypted.pem is ec.pem under a password: each verifies the other's signature.
        Assert.IsTrue(plain.PublicKey.Verify(payload, key.Sign(payload)));
        Assert.IsTrue(key.PublicKey.Verify(payload, plain.Sign(payload)));
        using var pub = VerificationKey.Load(keys.Combine("ec.pub"));
        Assert.IsTrue(pub.Verify(payload, key.Sign(payload)));
        using var other = VerificationKey.Load(keys.Combine("other.pub"));
        Assert.IsFalse(other.Verify(payload, key.Sign(payload)));
    }

    [TestMethod]
    public async Task A_cosign_generate_key_pair_key_signs_and_openssl_verifies_with_its_public_key()
    {
        var keys = await KeysAsync();
        var fixtures = Path.Combine(RepoPaths.Root, "tests", "Containerize.Tests", "Supply", "Fixtures");
        const string cosignPassword = "cosign fixture password 8042";
        var cosignKey = Path.Combine(fixtures, "cosign.key");
        using var key = SigningKey.Load(cosignKey, environment: new Dictionary<string, string> { ["COSIGN_PASSWORD"] = cosignPassword }.GetValueOrDefault);
        var payload = new SimpleSigningPayload("localhost:5000/app", Digest.Sha256("cosign"u8)).ToBytes();
        var signature = key.Sign(payload);
        using (var pub = VerificationKey.Load(Path.Combine(fixtures, "cosign.pub"))) Assert.IsTrue(pub.Verify(payload, signature));

        File.WriteAllBytes(keys.Combine("cosign-payload.json"), payload);
        File.WriteAllBytes(keys.Combine("cosign-sig.der"), signature);
        var openssl = await ProcessRunner.RunAsync(Requirements.Tool("openssl"),
            ["dgst", "-sha256", "-verify", Path.Combine(fixtures, "cosign.pub"), "-signature", "cosign-sig.der", "cosign-payload.json"], keys.Path);
        Assert.AreEqual(0, openssl.ExitCode, openssl.StdOut + openssl.StdErr);

        AssertFails(() => SigningKey.Load(cosignKey, environment: new Dictionary<string, string> { ["COSIGN_PASSWORD"] = "wrong" }.GetValueOrDefault),
            SupplyErrors.KeyWrongPassword, cosignKey, "wrong");
        AssertFails(() => SigningKey.Load(cosignKey, environment: _ => null), SupplyErrors.KeyWrongPassword, cosignKey);
        var tampered = keys.Write("tampered-cosign.key", File.ReadAllText(cosignKey).Replace("eyJrZGYi", "eyJrZGZ4", StringComparison.Ordinal));
        AssertFails(() => SigningKey.Load(tampered, environment: _ => cosignPassword), SupplyErrors.KeyMalformed, tampered, cosignPassword);
    }

    [TestMethod]
    public async Task Bad_keys_fail_with_their_code_and_never_show_the_key_or_the_password()
    {
        var keys = await KeysAsync();
        var withPassword = new Dictionary<string, string> { ["COSIGN_PASSWORD"] = Password };
        var wrongPassword = new Dictionary<string, string> { ["COSIGN_PASSWORD"] = "not the password" };

        AssertFails(() => SigningKey.Load(keys.Combine("missing.pem")), SupplyErrors.KeyUnreadable, keys.Combine("missing.pem"));
        AssertFails(() => SigningKey.Load(keys.Path), SupplyErrors.KeyUnreadable, keys.Path);
        AssertFails(() => SigningKey.Load(keys.Combine("garbage.pem")), SupplyErrors.KeyMalformed, keys.Combine("garbage.pem"));
        AssertFails(() => SigningKey.Load(keys.Combine("huge.pem")), SupplyErrors.KeyMalformed, keys.Combine("huge.pem"));
        AssertFails(() => SigningKey.Load(keys.Combine("ec.pub")), SupplyErrors.KeyMalformed, keys.Combine("ec.pub"));
        AssertFails(() => SigningKey.Load(keys.Combine("encrypted.pem"), environment: wrongPassword.GetValueOrDefault), SupplyErrors.KeyWrongPassword, keys.Combine("encrypted.pem"), "not the password");
        AssertFails(() => SigningKey.Load(keys.Combine("encrypted.pem"), environment: _ => null), SupplyErrors.KeyWrongPassword, keys.Combine("encrypted.pem"));
        AssertFails(() => SigningKey.Load(keys.Combine("rsa.pem")), SupplyErrors.KeyUnsupported, keys.Combine("rsa.pem"));
        AssertFails(() => SigningKey.Load(keys.Combine("rsa-encrypted.pem"), environment: withPassword.GetValueOrDefault), SupplyErrors.KeyUnsupported, keys.Combine("rsa-encrypted.pem"), Password);
        AssertFails(() => SigningKey.Load(keys.Combine("p384.pem")), SupplyErrors.KeyUnsupported, keys.Combine("p384.pem"));
        AssertFails(() => SigningKey.Load(keys.Combine("ed25519.pem")), SupplyErrors.KeyUnsupported, keys.Combine("ed25519.pem"));
        AssertFails(() => VerificationKey.Load(keys.Combine("rsa.pub")), SupplyErrors.KeyUnsupported, keys.Combine("rsa.pub"));
        AssertFails(() => VerificationKey.Load(keys.Combine("ec.pem")), SupplyErrors.KeyMalformed, keys.Combine("ec.pem"));

        // The CLI prints the coded line, and fails before it touches a registry (none runs at this address).
        var variable = "CTZ_TEST_SIGN_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "a wrong password 8042");
        try
        {
            var cli = await CliRunner.RunAsync(keys.Path, "sign", "127.0.0.1:9/ctz/none:v1", "--key", "encrypted.pem", "--password-env", variable);
            Assert.AreEqual(1, cli.ExitCode);
            StringAssert.Contains(cli.StdErr, "CTZ8042");
            Assert.IsFalse(cli.StdErr.Contains("a wrong password 8042", StringComparison.Ordinal), cli.StdErr);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        var rsa = await CliRunner.RunAsync(keys.Path, "sign", "127.0.0.1:9/ctz/none:v1", "--key", "rsa.pem");
        Assert.AreEqual(1, rsa.ExitCode);
        StringAssert.Contains(rsa.StdErr, "CTZ8043");
        AssertNoKeyText(rsa.StdErr, keys.Combine("rsa.pem"));
    }

    [TestMethod]
    public void The_payload_is_the_bytes_cosign_marshals()
    {
        var digest = Digest.Parse("sha256:" + new string('a', 64));
        Assert.AreEqual(
            "{\"critical\":{\"identity\":{\"docker-reference\":\"index.docker.io/library/nginx\"},\"image\":{\"docker-manifest-digest\":\"sha256:" + new string('a', 64) +
            "\"},\"type\":\"cosign container image signature\"},\"optional\":null}",
            Encoding.UTF8.GetString(new SimpleSigningPayload(CosignFormat.DockerReference(ImageReference.Parse("nginx:1.27")), digest).ToBytes()));
        // Go's encoding/json escapes HTML characters; an identity is never expected to hold one, but the bytes must still match.
        StringAssert.Contains(Encoding.UTF8.GetString(new SimpleSigningPayload("a<b>&c", digest).ToBytes()), "\"a\\u003cb\\u003e\\u0026c\"");
        Assert.AreEqual("localhost:5000/team/app", CosignFormat.DockerReference(ImageReference.Parse("localhost:5000/team/app:1.0")));
        Assert.AreEqual("sha256-" + new string('a', 64) + ".sig", CosignFormat.SignatureTag(digest));
        Assert.IsNull(SimpleSigningPayload.TryParse("{\"critical\":{\"type\":\"atomic container signature\"}}"u8));
    }

    private static void AssertFails(Action action, string code, string path, string? secret = null)
    {
        try
        {
            action();
        }
        catch (ContainerizeException e)
        {
            var shown = e.Diagnostic.ToDisplayString();
            Assert.AreEqual(code, e.Code, shown);
            StringAssert.Contains(shown, path, "the message names the file");
            if (secret is not null) Assert.IsFalse(shown.Contains(secret, StringComparison.Ordinal), "the password leaked: " + shown);
            Assert.IsFalse(shown.Contains(Password, StringComparison.Ordinal), "the password leaked: " + shown);
            if (File.Exists(path)) AssertNoKeyText(shown, path);
            return;
        }

        Assert.Fail($"expected {code} for {path}");
    }

    /// <summary>No line of the key's base64 (16 characters are enough to tell) appears in the text.</summary>
    private static void AssertNoKeyText(string shown, string path)
    {
        foreach (var line in File.ReadAllLines(path).Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.IsFalse(shown.Contains(line[..16], StringComparison.Ordinal), $"key text leaked: {shown}");
        }
    }
}
