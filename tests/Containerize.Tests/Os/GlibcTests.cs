using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Containerize.Core.Os;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Os;

/// <summary>
/// What the engine asks of glibc on every version .NET 10 supports (2.27 up): the version probe, the ELF version
/// needs reader that decides whether the native publish host can start, and mknod(at) through syscall(2).
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class GlibcTests
{
    [TestMethod]
    public async Task Glibc_VersionIsTheOneGetconfReports()
    {
        var r = (await ProcessRunner.RunAsync("getconf", ["GNU_LIBC_VERSION"])).EnsureSuccess("getconf GNU_LIBC_VERSION");
        Assert.AreEqual(r.StdOut.Trim(), "glibc " + LibC.GlibcVersion);
    }

    [TestMethod]
    public async Task Glibc_ElfNeedsAreWhatReadelfLists()
    {
        var readelf = Requirements.Tool("readelf");
        foreach (var binary in new[] { Path.Combine(AppContext.BaseDirectory, "containerize"), RuntimeEnvironment() })
        {
            var needs = ElfVersionNeeds.Read(binary) ?? throw new AssertFailedException($"{binary} read as no ELF file");
            var r = (await ProcessRunner.RunAsync(readelf, ["-V", "-W", binary])).EnsureSuccess("readelf -V");
            var expected = ReadelfNeeds(r.StdOut);
            Assert.IsNotEmpty(expected, r.StdOut);
            CollectionAssert.AreEquivalent(expected, needs.Needs.Select(n => $"{n.File} {n.Version}").ToList(), binary);
            var highest = expected.Select(e => e.Split(' ')[1]).Where(v => v.StartsWith("GLIBC_", StringComparison.Ordinal))
                .Select(v => Version.Parse(v[6..])).Max();
            Assert.AreEqual(highest, needs.HighestGlibc, binary);
            Assert.IsTrue(needs.HighestGlibc <= LibC.GlibcVersion, "it runs here, so this glibc has what it needs");
        }
    }

    [TestMethod]
    public void Glibc_WhatIsNotA64BitElfFileHasNoNeeds()
    {
        using var dir = new TempDir("ctz-elf");
        Assert.IsNull(ElfVersionNeeds.Read(dir.Write("script", "#!/bin/sh\nexit 0\n")));
        Assert.IsNull(ElfVersionNeeds.Read(dir.Write("empty", "")));
        var elf = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "containerize"));
        var truncated = dir.Combine("truncated");
        File.WriteAllBytes(truncated, elf[..200]);
        Assert.IsNull(ElfVersionNeeds.Read(truncated), "section headers past the end of the file");
        var bigEndian = dir.Combine("big-endian");
        elf[5] = 2;
        File.WriteAllBytes(bigEndian, elf);
        Assert.IsNull(ElfVersionNeeds.Read(bigEndian));
    }

    [TestMethod]
    public void Glibc_ACorruptElfFileIsReadAsNoNeedsOrSomeNeedsNeverAnException()
    {
        // The host binary is read before it is started: bytes garbled anywhere (offsets, sizes, string indexes,
        // counts) must give null or a list, never an exception or a read past the file.
        using var dir = new TempDir("ctz-elf");
        var elf = File.ReadAllBytes("/bin/ls");
        Assert.IsNotNull(ElfVersionNeeds.Read(CopyOf(dir, "intact", elf))?.HighestGlibc, "the intact file needs glibc");
        var random = new Random(18);
        for (var i = 0; i < 300; i++)
        {
            var bytes = (byte[])elf.Clone();
            for (var k = 0; k < 1 + random.Next(8); k++)
            {
                // Half the hits in the header and section table, where the offsets are.
                var at = random.Next(2) == 0 ? random.Next(Math.Min(bytes.Length, 4096)) : random.Next(bytes.Length);
                bytes[at] = (byte)random.Next(256);
            }

            var path = CopyOf(dir, "garbled", bytes);
            try
            {
                _ = ElfVersionNeeds.Read(path);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed 18, case {i}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static string CopyOf(TempDir dir, string name, byte[] bytes)
    {
        var path = dir.Combine(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [TestMethod]
    public void Glibc_MknodAtMakesFifosAndRefusesDeviceNumbersTheKernelCannotHold()
    {
        using var dir = new TempDir("ctz-mknod");
        var fd = LibC.Openat(LibC.AtFdCwd, dir.Path, LibC.ORdOnly | LibC.ODirectory);
        Assert.IsGreaterThanOrEqualTo(0, fd);
        try
        {
            Assert.AreEqual(0, LibC.MknodAt(fd, "pipe", FileStatus.Fifo | 0x1a4, 0, 0));
            var status = LibC.LStat(dir.Combine("pipe")) ?? throw new AssertFailedException("no fifo");
            Assert.AreEqual(EntryType.Fifo, status.Kind);
            Assert.AreEqual(0x1a4u, status.Mode & 0xfffu);
            Assert.AreEqual(-LibC.EEXIST, LibC.MknodAt(fd, "pipe", FileStatus.Fifo | 0x1a4, 0, 0));
            Assert.AreEqual(-LibC.EOVERFLOW, LibC.MknodAt(fd, "big", FileStatus.CharDevice | 0x1a4, 4096, 0));

            LibC.Mknod(dir.Combine("pipe2"), FileStatus.Fifo | 0x180, 0, 0);
            Assert.AreEqual(EntryType.Fifo, LibC.LStat(dir.Combine("pipe2"))!.Value.Kind);
            Assert.ThrowsExactly<IOException>(() => LibC.Mknod(dir.Combine("pipe2"), FileStatus.Fifo | 0x180, 0, 0));

            if (LibC.IsRoot)
            {
                // The overlay whiteout the layer applier writes, and a device with a minor above 255.
                Assert.AreEqual(0, LibC.MknodAt(fd, "whiteout", FileStatus.CharDevice, 0, 0));
                Assert.IsTrue(LibC.LStat(dir.Combine("whiteout"))!.Value.IsOverlayWhiteout);
                Assert.AreEqual(0, LibC.MknodAt(fd, "dev", FileStatus.CharDevice | 0x1b6, 4095, 300));
                var dev = LibC.LStat(dir.Combine("dev"))!.Value;
                Assert.AreEqual((4095u, 300u), (dev.RDevMajor, dev.RDevMinor));
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    private static string RuntimeEnvironment() => Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "libcoreclr.so");

    /// <summary>"libc.so.6 GLIBC_2.34" for each version readelf -V lists under .gnu.version_r.</summary>
    internal static List<string> ReadelfNeeds(string output)
    {
        var at = output.IndexOf(".gnu.version_r", StringComparison.Ordinal);
        if (at < 0) return [];
        var list = new List<string>();
        string? file = null;
        foreach (var line in output[at..].Split('\n'))
        {
            if (FileLine().Match(line) is { Success: true } f) file = f.Groups[1].Value;
            else if (NameLine().Match(line) is { Success: true } n && file is not null) list.Add($"{file} {n.Groups[1].Value}");
        }

        return list;
    }

    [GeneratedRegex(@"File: (\S+)\s+Cnt:")]
    private static partial Regex FileLine();

    [GeneratedRegex(@"Name: (\S+)\s+Flags:")]
    private static partial Regex NameLine();
}
