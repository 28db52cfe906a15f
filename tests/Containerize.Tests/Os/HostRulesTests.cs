using System.Reflection;
using System.Runtime.InteropServices;
using Containerize.Core.Os;

namespace Containerize.Tests.Os;

[TestClass]
public sealed class HostRulesTests
{
    [TestMethod]
    public void HostRules_ThisLinuxMachineHasTheNativePath()
    {
        Assert.IsTrue(OperatingSystem.IsLinux(), "CI runs on Linux");
        CollectionAssert.AreEqual(Array.Empty<string>(), LibC.MissingExports().ToArray());
        Assert.IsTrue(HostRules.NativeFileSystemAvailable);
        Assert.AreEqual(new HostRules(HostOs.Linux, true), HostRules.Actual);
    }

    [TestMethod]
    public void HostRules_ProbeListsEveryCallTheFileSystemPathBinds()
    {
        // Every entry point declared in LibC is either probed or belongs to the Linux-only applier/runtime calls.
        var declared = typeof(LibC).GetMethods(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)
            .Select(m => m.GetCustomAttribute<LibraryImportAttribute>()?.EntryPoint).OfType<string>().ToHashSet();
        string[] linuxOnly = ["lchown", "lgetxattr", "lsetxattr", "setxattr", "mount", "umount2", "copy_file_range", "fchownat"];
        foreach (var name in LibC.FileSystemExports) Assert.IsTrue(declared.Contains(name), $"{name} is probed but not declared");
        foreach (var name in declared) Assert.IsTrue(LibC.FileSystemExports.Contains(name) || linuxOnly.Contains(name), $"{name} is declared but neither probed nor listed as Linux-only");
    }

    [TestMethod]
    public async Task HostRules_UseFlowsWithTheAsyncContextAndIsRestored()
    {
        var before = HostRules.Current;
        using (HostRules.Use(HostRules.Windows))
        {
            await Task.Yield();
            Assert.IsTrue(HostRules.Current.IsWindows);
            Assert.IsFalse(HostRules.Current.NativeFileSystem);
            Assert.IsFalse(HostRules.Current.HasUnixModes);
            Assert.AreEqual(';', HostRules.Current.PathListSeparator);
            Assert.IsTrue(string.Equals("C:\\A\\b", "c:\\a\\B", HostRules.Current.PathComparison));
        }

        Assert.AreEqual(before, HostRules.Current);
    }
}

[TestClass]
public sealed class HostRulesVariableTests
{
    private static HostRules From(string? os, string? fs, HostOs actual = HostOs.Linux, bool native = true) =>
        HostRules.FromVariables(name => name switch
        {
            HostRules.OsVariable => os,
            HostRules.FileSystemVariable => fs,
            _ => throw new AssertFailedException("read an unexpected variable " + name),
        }, actual, native);

    [TestMethod]
    [DataRow(null, HostOs.Linux)]
    [DataRow("", HostOs.Linux)]
    [DataRow("windows", HostOs.Windows)]
    [DataRow(" Windows ", HostOs.Windows)]
    [DataRow("macos", HostOs.MacOS)]
    [DataRow("OSX", HostOs.MacOS)]
    [DataRow("linux", HostOs.Linux)]
    [DataRow("plan9", HostOs.Linux)]
    public void HostRules_OsVariableNamesTheRulesOrKeepsTheMachines(string? value, HostOs expected) =>
        Assert.AreEqual(expected, From(value, null).Os);

    [TestMethod]
    public void HostRules_LinuxOnAMachineWithoutTheNativePathStaysPortable()
    {
        Assert.AreEqual(new HostRules(HostOs.Linux, true), From(null, null));
        Assert.AreEqual(new HostRules(HostOs.Linux, false), From(null, null, native: false), "musl without statx");
        Assert.AreEqual(new HostRules(HostOs.Linux, false), From("linux", "native", native: false), "native cannot be forced where libc lacks it");
        Assert.AreEqual(new HostRules(HostOs.Windows, false), From(null, null, HostOs.Windows, native: false));
        Assert.AreEqual(HostOs.Linux, From("linux", null, HostOs.Windows, native: false).Os, "Linux rules can be asked for elsewhere");
    }

    [TestMethod]
    public void HostRules_FileSystemVariablePicksThePath()
    {
        Assert.AreEqual(new HostRules(HostOs.Linux, false), From(null, "portable"));
        Assert.AreEqual(new HostRules(HostOs.Linux, false), From(null, " Portable "));
        Assert.AreEqual(new HostRules(HostOs.Linux, true), From(null, "native"));
        Assert.AreEqual(new HostRules(HostOs.Linux, true), From(null, "anything-else"));
        // Another OS's rules bring its path, unless the native one is asked for where it exists (a Linux CI run
        // checking Windows' path and mode rules on the fast walk).
        Assert.AreEqual(new HostRules(HostOs.Windows, false), From("windows", null));
        Assert.AreEqual(new HostRules(HostOs.MacOS, false), From("macos", null));
        Assert.AreEqual(new HostRules(HostOs.Windows, true), From("windows", "native"));
    }

    [TestMethod]
    public void HostRules_PathRulesFollowTheOs()
    {
        var linux = new HostRules(HostOs.Linux, true);
        Assert.IsFalse(linux.PathComparer.Equals("/a/B", "/a/b"), "Linux names are case-sensitive");
        Assert.AreEqual(StringComparison.Ordinal, linux.PathComparison);
        CollectionAssert.AreEqual(new[] { '/' }, linux.DirectorySeparators.ToArray());
        Assert.AreEqual(':', linux.PathListSeparator);
        Assert.IsTrue(linux.HasUnixModes);

        var mac = HostRules.MacOS;
        Assert.IsTrue(mac.PathComparer.Equals("/a/B", "/a/b"), "APFS ignores case by default");
        Assert.AreEqual(StringComparison.OrdinalIgnoreCase, mac.PathComparison);
        CollectionAssert.AreEqual(new[] { '/' }, mac.DirectorySeparators.ToArray(), "a backslash is a name character on macOS");
        Assert.IsTrue(mac.HasUnixModes);
        Assert.IsFalse(mac.NativeFileSystem);

        var windows = HostRules.Windows;
        Assert.IsTrue(windows.PathComparer.Equals(@"C:\a\B", @"c:\A\b"));
        CollectionAssert.AreEqual(new[] { '\\', '/' }, windows.DirectorySeparators.ToArray());
        Assert.IsFalse(windows.HasUnixModes);
        Assert.IsFalse(HostRules.Portable.NativeFileSystem);
        Assert.AreEqual(HostRules.Actual.Os, HostRules.Portable.Os);
    }

    [TestMethod]
    public void HostRules_DescribeSaysWhichPathAndWhy()
    {
        StringAssert.Contains(new HostRules(HostOs.Linux, true).Describe(), "Linux rules, native file-system path");
        StringAssert.Contains(HostRules.Windows.Describe(), "Windows rules, portable file-system path");
        StringAssert.Contains(HostRules.Portable.Describe(), RuntimeInformation.ProcessArchitecture.ToString());
    }
}
