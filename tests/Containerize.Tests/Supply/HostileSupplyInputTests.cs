using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Supply;
using Containerize.Core.Supply.Referrers;
using Containerize.Core.Supply.Sbom;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Supply;

/// <summary>The other texts the supply chain reads from places it does not control, in their hostile forms.</summary>
[TestClass]
public sealed class HostileSupplyInputTests
{
    [TestMethod]
    [DataRow("{")]
    [DataRow("[]")]
    [DataRow("{\"libraries\": 1}")]
    [DataRow("{\"libraries\": {\"A/1.0\": {\"type\": 7}, \"/x\": {\"type\": \"package\"}, \"B/\": {\"type\": \"package\"}, \"C\": {\"type\": \"package\"}}}")]
    public void A_deps_file_that_is_not_the_hosts_lists_no_package_and_never_throws(string json) =>
        Assert.AreEqual(0, DepsFile.Packages(json).Count);

    [TestMethod]
    public void A_deps_file_gives_its_packages_with_their_hash_and_skips_projects()
    {
        var packages = DepsFile.Packages("""{"libraries":{"App/1.0.0":{"type":"project"},"Humanizer.Core/2.14.1":{"type":"package","sha512":"sha512-abc="},"X/1":{"type":"package","sha512":"md5-zz"}}}""");
        CollectionAssert.AreEqual(new[] { new DepsFile.Package("Humanizer.Core", "2.14.1", "abc="), new DepsFile.Package("X", "1", null) }, packages.ToArray());
    }

    [TestMethod]
    public void A_nuspec_with_a_DTD_or_an_external_entity_declares_nothing_and_reads_no_file()
    {
        using var dir = new TempDir("ctz-nuspec");
        var secret = dir.Write("secret.txt", "MIT-from-a-file-it-should-never-read");
        var folder = Directory.CreateDirectory(Path.Combine(dir.Path, "packages", "evil", "1.0.0")).FullName;
        File.WriteAllText(Path.Combine(folder, "evil.nuspec"), $"""
            <?xml version="1.0"?>
            <!DOCTYPE package [ <!ENTITY x SYSTEM "file://{secret}"> ]>
            <package><metadata><license type="expression">&x;</license></metadata></package>
            """);
        Assert.AreEqual((null, null), NuspecLicense.Read([Path.Combine(dir.Path, "packages")], "evil/1.0.0", "evil"));

        File.WriteAllText(Path.Combine(folder, "evil.nuspec"), "<package><metadata><licenseUrl>file:///etc/passwd</licenseUrl></metadata></package>");
        Assert.AreEqual((null, null), NuspecLicense.Read([Path.Combine(dir.Path, "packages")], "evil/1.0.0", "evil"), "only an http(s) license URL is published");
    }

    [TestMethod]
    public async Task A_referrer_listed_for_an_image_whose_subject_is_another_image_is_a_coded_error()
    {
        using var dir = new TempDir("ctz-referrers");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("layout"));
        var image = await store.PutBlobAsync("{\"schemaVersion\":2}"u8.ToArray(), MediaTypes.OciManifest);
        var other = image with { Digest = Digest.Sha256("another image"u8) };
        // An artifact about another image, listed under this image's referrers tag (a forged or mixed-up index).
        var artifact = await Artifacts.StoreAsync(store, other, new Artifact(SbomFormat.SpdxMediaType, "{}"u8.ToArray()), null, CancellationToken.None);
        var index = await store.PutBlobAsync(OciJson.Serialize(ReferrersIndex.Merge(null, [artifact])!), MediaTypes.OciIndex);
        await store.TagAsync(ReferrersIndex.TagOf(image.Digest), index, null);
        await store.TagAsync("latest", image, null);

        var source = new LayoutReferrerSource(store, null, "latest");
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ReferrerReader.ListAsync(source, image, null, CancellationToken.None));
        Assert.AreEqual(SupplyErrors.MalformedReferrer, e.Code);
        StringAssert.Contains(e.Diagnostic.Message, other.Digest.ToString());

        // A document whose bytes are not the digest its manifest names (a swapped blob) is refused too.
        var forged = new ReferrerReader.Attached(artifact, SbomFormat.SpdxMediaType, Artifacts.EmptyConfig);
        var swapped = forged with { Document = Artifacts.EmptyConfig with { Digest = Digest.Sha256("not {}"u8) } };
        await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ReferrerReader.ReadDocumentAsync(new ReadsOtherBytes(source), swapped, CancellationToken.None));
    }

    // A source that answers every read with the same bytes, as a store or registry serving the wrong blob would.
    private sealed class ReadsOtherBytes(IReferrerSource inner) : IReferrerSource
    {
        public Task<Descriptor> ResolveAsync(CancellationToken cancellationToken) => inner.ResolveAsync(cancellationToken);

        public Task<IReadOnlyList<Descriptor>> ListAsync(Digest subject, CancellationToken cancellationToken) => inner.ListAsync(subject, cancellationToken);

        public Task<byte[]> ReadAsync(Descriptor blob, CancellationToken cancellationToken) => Task.FromResult("{}"u8.ToArray());
    }
}
