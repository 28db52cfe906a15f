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
        string[] linuxOnly = ["lchown", "lgetxattr", "lsetxattr", "setxattr", "mknod", "mknodat", "mount", "umount2", "copy_file_range", "fchownat"];
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
