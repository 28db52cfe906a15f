using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Tests.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Transfer;

[TestClass]
public sealed class ExportImportTests
{
    [TestMethod]
    [DataRow("oci-layout:///x/y", ImageTransport.OciLayout, "/x/y", null)]
    [DataRow("oci-layout:///x/y:10.0", ImageTransport.OciLayout, "/x/y", "10.0")]
    [DataRow("oci-layout:/x/y:latest", ImageTransport.OciLayout, "/x/y", "latest")]
    [DataRow("oci-layout://rel/dir:v1", ImageTransport.OciLayout, "/base/rel/dir", "v1")]
    [DataRow("oci-archive:///a/b.tar", ImageTransport.OciArchive, "/a/b.tar", null)]
    [DataRow("oci-archive:out.tar", ImageTransport.OciArchive, "/base/out.tar", null)]
    [DataRow("docker-archive:///a/b:c.tar", ImageTransport.DockerArchive, "/a/b:c.tar", null)]
    public void LocationsParse(string text, ImageTransport transport, string path, string? tag)
    {
        var l = ImageLocation.Parse(text, "/base");
        Assert.AreEqual(transport, l.Transport);
        Assert.AreEqual(path, l.Path);
        Assert.AreEqual(tag, l.Tag);
    }

    [TestMethod]
    [DataRow("docker://ubuntu")]
    [DataRow("oci:dir")]
    [DataRow("/just/a/path")]
    [DataRow("oci-layout://")]
    public void UnknownTransportsAreCodedErrors(string text)
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => ImageLocation.Parse(text));
        Assert.AreEqual(StoreErrors.UnknownTransport, e.Code);
    }

    [TestMethod]
    [DataRow(LayerCompression.Gzip)]
    [DataRow(LayerCompression.Zstd)]
    [DataRow(LayerCompression.None)]
    public async Task ArchivesRoundTripThroughTheStore(LayerCompression compression)
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("a"));
        var image = await TestImages.PutImageAsync(store, compression, layers: [TestImages.SampleFiles, [new LayerFile("second", "layer two")]]);
        var name = ImageReference.Parse("example.com/team/app:2.1");
        await store.TagAsync(name, image);
        var manifest = await store.ReadManifestAsync(image);
        var config = await store.ReadConfigAsync(manifest.Config);

        foreach (var (save, load) in new[]
                 {
                     ("oci-layout:" + dir.Combine("layout"), "oci-layout://" + dir.Combine("layout") + ":2.1"),
                     ("oci-archive:" + dir.Combine("img.tar"), "oci-archive://" + dir.Combine("img.tar")),
                 })
        {
            var saved = await CliRunner.RunAsync(dir.Path, "save", "example.com/team/app:2.1", "--output", save, "--store", store.Root);
            Assert.AreEqual(0, saved.ExitCode, saved.StdErr);
            var target = dir.Combine("b-" + Guid.NewGuid().ToString("N"));
            var loaded = await CliRunner.RunAsync(dir.Path, "load", load, "--store", target);
            Assert.AreEqual(0, loaded.ExitCode, loaded.StdErr);
            var other = await OciLayoutStore.OpenOrCreateAsync(target);
            Assert.AreEqual(image.Digest, (await other.ResolveAsync(name))!.Digest, save);
            await LocalStoreTests.AssertCleanAsync(other);
        }

        var docker = dir.Combine("docker.tar");
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "save", "example.com/team/app:2.1", "--output", "docker-archive:" + docker, "--store", store.Root)).ExitCode);
        var fromDocker = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("c"));
        var imported = await new ImageImporter(fromDocker).ImportAsync(ImageLocation.Parse("docker-archive://" + docker));
        Assert.AreEqual(name, imported.Names.Single());
        var m2 = await fromDocker.ReadManifestAsync(imported.Manifest);
        Assert.AreEqual(manifest.Config.Digest, m2.Config.Digest, "the config travels byte for byte, so the image ID is kept");
        // Gzip and plain layers travel as stored (as the SDK's tarballs hold them); zstd ones are decompressed for
        // daemons that cannot read zstd, and the import keeps each as it finds it.
        var travelsAsStored = compression != LayerCompression.Zstd;
        CollectionAssert.AreEqual((travelsAsStored ? manifest.Layers.Select(l => l.Digest) : config.RootFs.DiffIds).ToList(), m2.Layers.Select(l => l.Digest).ToList());
        var expectedType = compression == LayerCompression.Gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer;
        Assert.IsTrue(m2.Layers.All(l => l.MediaType == expectedType), string.Join(", ", m2.Layers.Select(l => l.MediaType)));
        await LocalStoreTests.AssertCleanAsync(fromDocker);
    }

    [TestMethod]
    public async Task DockerArchiveHasDockersManifestJson()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        var image = await TestImages.PutImageAsync(store, LayerCompression.Zstd);
        await store.TagAsync(ImageReference.Parse("app:1.0"), image);
        var file = dir.Combine("d.tar");
        await new ImageExporter(store, store.IngestPath).ExportAsync(image, ImageReference.Parse("app:1.0"), ImageLocation.Parse("docker-archive:" + file));
        var names = new List<string>();
        byte[]? manifestJson = null;
        await using (var reader = new System.Formats.Tar.TarReader(File.OpenRead(file)))
        {
            while (await reader.GetNextEntryAsync(copyData: true) is { } e)
            {
                names.Add(e.Name);
                if (e.Name == "manifest.json")
                {
                    using var ms = new MemoryStream();
                    await e.DataStream!.CopyToAsync(ms);
                    manifestJson = ms.ToArray();
                }
            }
        }

        var manifest = await store.ReadManifestAsync(image);
        var config = await store.ReadConfigAsync(manifest.Config);
        using var doc = JsonDocument.Parse(manifestJson!);
        var entry = doc.RootElement[0];
        Assert.AreEqual($"blobs/sha256/{manifest.Config.Digest.Encoded}", entry.GetProperty("Config").GetString());
        Assert.AreEqual("docker.io/library/app:1.0", entry.GetProperty("RepoTags")[0].GetString());
        Assert.AreEqual($"blobs/sha256/{config.RootFs.DiffIds[0].Encoded}", entry.GetProperty("Layers")[0].GetString());
        CollectionAssert.Contains(names, $"blobs/sha256/{config.RootFs.DiffIds[0].Encoded}");
        Assert.IsFalse(File.Exists(Path.ChangeExtension(file, null) + ".tmp"));
        Assert.AreEqual(0, Directory.GetFiles(dir.Path, ".*.tmp").Length);
    }

    [TestMethod]
    public async Task AnArchiveOfAStoreBlobCutShortIsACodedErrorAndNoFile()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        var image = await TestImages.PutImageAsync(store, LayerCompression.Gzip);
        var layer = (await store.ReadManifestAsync(image)).Layers[0];
        // Archives copy blob files checking their size (not re-hashing them): a damaged file is caught by it.
        var bytes = await File.ReadAllBytesAsync(store.BlobPath(layer.Digest));
        await File.WriteAllBytesAsync(store.BlobPath(layer.Digest), bytes[..^10]);
        foreach (var transport in new[] { "oci-archive", "docker-archive" })
        {
            var file = dir.Combine(transport + ".tar");
            var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() =>
                new ImageExporter(store, store.IngestPath).ExportAsync(image, ImageReference.Parse("app:1"), ImageLocation.Parse(transport + ":" + file)));
            Assert.AreEqual(StoreErrors.SizeMismatch, e.Code, transport);
            Assert.IsFalse(File.Exists(file), transport);
        }

        Assert.IsEmpty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [TestMethod]
    public async Task AnArchiveFileHoldsTheBytesOfTheArchiveStreamedThroughMemory()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        // Blobs of several MiB and of sizes that are not multiples of 512: a file archive copies them file to file in
        // the kernel (copy_file_range), a stream gets them through memory, and both must give the same bytes.
        var big = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3_000_001));
        var image = await TestImages.PutImageAsync(store, LayerCompression.Gzip,
            layers: [[new LayerFile("big", big)], TestImages.SampleFiles, [new LayerFile("odd", "x")]]);
        var name = ImageReference.Parse("app:1.0");
        var exporter = new ImageExporter(store, store.IngestPath);
        foreach (var transport in new[] { ImageTransport.OciArchive, ImageTransport.DockerArchive })
        {
            using var streamed = new MemoryStream();
            if (transport == ImageTransport.OciArchive) await exporter.WriteOciArchiveAsync(image, name, null, streamed);
            else await exporter.WriteDockerArchiveAsync(image, name, streamed);
            Assert.IsGreaterThan(2_000_000L, streamed.Length);

            // An older, longer archive in the way is replaced whole: nothing of it is left at the end.
            var file = dir.Combine(transport + ".tar");
            await File.WriteAllBytesAsync(file, new byte[streamed.Length + 4096]);
            await exporter.ExportAsync(image, name, new ImageLocation(transport, file));
            CollectionAssert.AreEqual(streamed.ToArray(), await File.ReadAllBytesAsync(file), transport.ToString());
        }

        Assert.IsEmpty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [TestMethod]
    public async Task AnArchiveThatCannotBeWrittenIsACodedErrorAndLeavesNothing()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        var image = await TestImages.PutImageAsync(store, LayerCompression.Gzip);
        // A folder that cannot be made (a file stands at its name): an I/O error whoever runs the test, root included.
        await File.WriteAllTextAsync(dir.Combine("not-a-folder"), "");
        foreach (var transport in new[] { ImageTransport.OciArchive, ImageTransport.DockerArchive })
        {
            var file = Path.Combine(dir.Combine("not-a-folder"), transport + ".tar");
            var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() =>
                new ImageExporter(store, store.IngestPath).ExportAsync(image, ImageReference.Parse("app:1"), new ImageLocation(transport, file)));
            Assert.AreEqual(GeneralErrors.IoError, e.Code, transport.ToString());
            Assert.AreEqual(file, e.Diagnostic.File);
            StringAssert.Contains(e.Diagnostic.Hint, "permissions");
        }

        CollectionAssert.AreEqual(new[] { dir.Combine("not-a-folder"), dir.Combine("s") },
            Directory.GetFileSystemEntries(dir.Path).Order(StringComparer.Ordinal).ToArray());
    }

    [TestMethod]
    public async Task ExportsAreByteIdentical()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        var image = await TestImages.PutImageAsync(store, LayerCompression.Gzip);
        await store.TagAsync(ImageReference.Parse("app:1.0"), image);
        foreach (var transport in new[] { "oci-archive", "docker-archive" })
        {
            var first = dir.Combine(transport + "-1.tar");
            var second = dir.Combine(transport + "-2.tar");
            Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "save", "app:1.0", "-o", $"{transport}:{first}", "--store", store.Root)).ExitCode);
            await Task.Delay(1100);
            Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "save", "app:1.0", "-o", $"{transport}:{second}", "--store", store.Root)).ExitCode);
            CollectionAssert.AreEqual(File.ReadAllBytes(first), File.ReadAllBytes(second), transport);
        }

        var l1 = dir.Combine("l1");
        var l2 = dir.Combine("l2");
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "save", "app:1.0", "-o", "oci-layout:" + l1, "--store", store.Root)).ExitCode);
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "save", "app:1.0", "-o", "oci-layout:" + l2, "--store", store.Root)).ExitCode);
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(l1, "index.json")), File.ReadAllBytes(Path.Combine(l2, "index.json")));
        CollectionAssert.AreEquivalent(
            Directory.GetFiles(l1, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(l1, f)).ToList(),
            Directory.GetFiles(l2, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(l2, f)).ToList());
        Assert.IsFalse(Directory.Exists(Path.Combine(l1, "ingest")), "an exported layout holds only the layout");
    }

    [TestMethod]
    public async Task LayoutsWithSeveralTagsNeedOne()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        await store.TagAsync(ImageReference.Parse("a:1"), await TestImages.PutImageAsync(store));
        await store.TagAsync(ImageReference.Parse("a:2"), await TestImages.PutImageAsync(store, LayerCompression.Zstd));
        var importer = new ImageImporter(await OciLayoutStore.OpenOrCreateAsync(dir.Combine("t")));
        var none = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => importer.ImportAsync(ImageLocation.Parse("oci-layout://" + store.Root)));
        Assert.AreEqual(StoreErrors.LayoutTagNotFound, none.Code);
        var wrong = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => importer.ImportAsync(ImageLocation.Parse("oci-layout://" + store.Root + ":3")));
        Assert.AreEqual(StoreErrors.LayoutTagNotFound, wrong.Code);
        StringAssert.Contains(wrong.Diagnostic.Message, "docker.io/library/a:1");
        // The store itself is a layout: a base image can come straight from it by its tag.
        var two = await importer.ImportAsync(ImageLocation.Parse("oci-layout://" + store.Root + ":2"));
        Assert.AreEqual((await store.ResolveAsync(ImageReference.Parse("a:2")))!.Digest, two.Manifest.Digest);
        Assert.AreEqual("docker.io/library/a:2", two.Names.Single().ToString());
    }

    [TestMethod]
    public async Task IndexesSelectThePlatform()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        var amd = await TestImages.PutImageAsync(store);
        var arm = await TestImages.PutImageAsync(store, LayerCompression.Zstd);
        var index = await store.PutBlobAsync(OciJson.Serialize(new ImageIndex
        {
            Manifests = [amd with { Platform = Platform.LinuxAmd64 }, arm with { Platform = Platform.LinuxArm64 }],
        }), MediaTypes.OciIndex);
        await store.TagAsync(ImageReference.Parse("multi:1"), index);
        var layout = "oci-layout://" + dir.Combine("layout") + ":1";
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "save", "multi:1", "-o", layout, "--store", store.Root)).ExitCode);
        var target = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("t"));
        Assert.AreEqual(amd.Digest, (await new ImageImporter(target).ImportAsync(ImageLocation.Parse(layout))).Manifest.Digest);
        Assert.AreEqual(arm.Digest, (await new ImageImporter(target) { Platform = Platform.Parse("linux/arm64") }.ImportAsync(ImageLocation.Parse(layout))).Manifest.Digest);
        var missing = await Assert.ThrowsExactlyAsync<ContainerizeException>(() =>
            new ImageImporter(target) { Platform = Platform.Parse("linux/s390x") }.ImportAsync(ImageLocation.Parse(layout)));
        Assert.AreEqual(StoreErrors.PlatformNotFound, missing.Code);
        StringAssert.Contains(missing.Diagnostic.Message, "linux/arm64/v8");
    }

    [TestMethod]
    public async Task BadSourcesGiveCodedErrorsAndLeaveTheStoreClean()
    {
        using var dir = new TempDir();
        var source = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        var image = await TestImages.PutImageAsync(source, LayerCompression.Gzip);
        await source.TagAsync(ImageReference.Parse("app:1"), image);
        var archive = dir.Combine("good.tar");
        var exporter = new ImageExporter(source, source.IngestPath);
        await exporter.ExportAsync(image, ImageReference.Parse("app:1"), ImageLocation.Parse("oci-archive:" + archive));
        var docker = dir.Combine("docker.tar");
        await exporter.ExportAsync(image, ImageReference.Parse("app:1"), ImageLocation.Parse("docker-archive:" + docker));
        var bytes = File.ReadAllBytes(archive);

        var layerDigest = (await source.ReadManifestAsync(image)).Layers[0].Digest;
        var layerHeader = IndexOf(bytes, System.Text.Encoding.ASCII.GetBytes("blobs/sha256/" + layerDigest.Encoded + "\0"));
        // Cut inside the layer's data (the blob comes up short) and inside a header (the tar itself is broken).
        var truncated = dir.Combine("truncated.tar");
        File.WriteAllBytes(truncated, bytes[..(layerHeader + 512 + 40)]);
        var cutHeader = dir.Combine("cut-header.tar");
        File.WriteAllBytes(cutHeader, bytes[..(layerHeader + 100)]);
        // Flip a byte inside the layer's data: its content no longer matches its name.
        var corrupt = dir.Combine("corrupt.tar");
        var copy = bytes.ToArray();
        var at = layerHeader + 512 + 40;
        copy[at] ^= 0x55;
        File.WriteAllBytes(corrupt, copy);
        var garbage = dir.Write("garbage.tar", new string('x', 5000));

        var cases = new (string Source, string Code)[]
        {
            ("oci-archive://" + truncated, StoreErrors.SizeMismatch),
            ("oci-archive://" + cutHeader, StoreErrors.MalformedArchive),
            ("oci-archive://" + corrupt, StoreErrors.DigestMismatch),
            ("oci-archive://" + garbage, StoreErrors.MalformedArchive),
            ("oci-archive://" + dir.Combine("absent.tar"), StoreErrors.LayoutNotFound),
            ("oci-layout://" + dir.Combine("absent") + ":1", StoreErrors.LayoutNotFound),
            ("docker-archive://" + garbage, StoreErrors.MalformedArchive),
            ("docker-archive://" + dir.Combine("s"), StoreErrors.LayoutNotFound),
            ("nope://" + archive, StoreErrors.UnknownTransport),
        };
        var target = dir.Combine("t");
        foreach (var (src, code) in cases)
        {
            var r = await CliRunner.RunAsync(dir.Path, "load", src, "--tag", "x:1", "--store", target);
            Assert.AreEqual(1, r.ExitCode, src);
            StringAssert.Contains(r.StdErr, code, src);
            StringAssert.Contains(r.StdErr, "hint:", src);
            var store = await OciLayoutStore.OpenOrCreateAsync(target);
            await LocalStoreTests.AssertCleanAsync(store);
            Assert.IsNull(await store.ResolveAsync(ImageReference.Parse("x:1")), src);
        }

        var invalid = await CliRunner.RunAsync(dir.Path, "load", "docker-archive://" + docker, "--tag", "Bad:Ref", "--store", target);
        Assert.AreEqual(1, invalid.ExitCode);
        StringAssert.Contains(invalid.StdErr, ImageErrors.InvalidReference);
        var unknown = await CliRunner.RunAsync(dir.Path, "save", "nothing:here", "-o", "oci-archive:" + dir.Combine("n.tar"), "--store", target);
        Assert.AreEqual(1, unknown.ExitCode);
        StringAssert.Contains(unknown.StdErr, StoreErrors.ImageNotFound);
        Assert.IsFalse(File.Exists(dir.Combine("n.tar")));
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "store", "check", "--store", target)).ExitCode);

        // Our OCI archives carry Docker's manifest.json too, so they also load as docker-archives.
        var dual = await CliRunner.RunAsync(dir.Path, "load", "docker-archive://" + archive, "--store", target);
        Assert.AreEqual(0, dual.ExitCode, dual.StdErr);
        StringAssert.Contains(dual.StdOut, "app:1");
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        }

        throw new AssertFailedException("marker not found");
    }
}
