using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Architecture;

/// <summary>
/// docs/architecture.md's folder rules, checked on the compiled assemblies: Containerize.Core's folders use only the
/// folders to their left on the `Dependency rule:` line, and libc is reached only from Containerize.Core.Os.
/// The checker itself is tested on a fixture with one type per kind of reference, so that it cannot pass by seeing nothing.
/// </summary>
[TestClass]
public sealed class ArchitectureTests
{
    private const string CoreRoot = "Containerize.Core";
    private const string Platform = "Containerize.Core.Os";
    private const string FixtureRoot = "Containerize.Tests.Architecture.Fixture";

    [TestMethod]
    public void Architecture_core_folders_use_only_the_folders_to_their_left()
    {
        var rule = DocumentedRule();
        var scan = AssemblyScan.Read(CoreAssembly);

        // Not vacuous: Core's folders do use each other, and the scan must see it.
        var crossFolder = scan.References.Count(r => r.From.IsUnder(CoreRoot) && r.To.IsUnder(CoreRoot) && r.From.FolderUnder(CoreRoot) != r.To.FolderUnder(CoreRoot));
        Assert.IsTrue(crossFolder > 0, "the scan found no reference from one Core folder to another");

        var unplaced = FolderRules.UnplacedFolders(scan, CoreRoot, rule);
        Assert.AreEqual(0, unplaced.Count, $"folders of {CoreRoot} that docs/architecture.md's '{DependencyRule.Marker}' line does not place:\n{string.Join('\n', unplaced)}");
        var violations = FolderRules.Violations(scan, CoreRoot, rule);
        Assert.AreEqual(0, violations.Count,
            $"{violations.Count} uses of a folder to the right on the rule {string.Join(" ← ", rule.Folders)}:\n{string.Join('\n', violations)}");
    }

    /// <summary>
    /// The same rule on the sources' using directives: a constant (<c>const</c>) is copied into the IL of its user, so
    /// the assembly scan cannot see a folder that only reads another's constants (Generation's Dockerfile writer once
    /// read ContainerModeBuild's from Publishing, to its right).
    /// </summary>
    [TestMethod]
    public void Architecture_core_sources_import_only_the_folders_to_their_left()
    {
        var rule = DocumentedRule();
        var core = Path.Combine(RepoPaths.Root, "src", "Containerize.Core");
        var violations = new List<string>();
        var imports = 0;
        foreach (var file in Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(core, file).Replace('\\', '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal) || !relative.Contains('/')) continue;
            var folder = relative.Split('/')[0];
            foreach (var line in File.ReadLines(file))
            {
                if (!line.StartsWith("using Containerize.Core.", StringComparison.Ordinal)) continue;
                var used = line["using Containerize.Core.".Length..].TrimEnd(';').Split('.')[0];
                imports++;
                if (used != folder && rule.Names(folder) && rule.Names(used) && !rule.Allows(folder, used)) violations.Add($"{relative} -> {used}");
            }
        }

        Assert.IsTrue(imports > 100, $"the scan read {imports} using directives of Core's folders");
        Assert.AreEqual(0, violations.Count, $"using directives of a folder to the right on the rule {string.Join(" ← ", rule.Folders)}:\n{string.Join('\n', violations)}");
    }

    [TestMethod]
    public void Architecture_pinvoke_declarations_only_in_core_os()
    {
        var found = new List<string>();
        found.AddRange(FolderRules.PInvokesOutside(AssemblyScan.Read(CoreAssembly), Platform).Select(p => $"{CoreRoot}: {p}"));
        found.AddRange(FolderRules.PInvokesOutside(AssemblyScan.Read(CliAssembly), null).Select(p => $"Containerize.Cli: {p}"));
        found.AddRange(FolderRules.PInvokesOutside(AssemblyScan.Read(TasksAssembly()), null).Select(p => $"Containerize.Tasks: {p}"));
        Assert.AreEqual(0, found.Count, $"P/Invoke declarations outside {Platform}:\n{string.Join('\n', found)}");
    }

    [TestMethod]
    public void Architecture_no_assembly_reaches_libc_through_a_binding_package()
    {
        // A binding package (Tmds.LibC was one) is a second way to libc beside Os/LibC, and a RID-specific one breaks
        // MSBuild's task loading on other platforms: none of our assemblies may reference one.
        var found = new List<string>();
        foreach (var (name, path) in new[] { (CoreRoot, CoreAssembly), ("Containerize.Cli", CliAssembly), ("Containerize.Tasks", TasksAssembly()) })
        {
            using var stream = File.OpenRead(path);
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
            var references = metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToList();
            Assert.IsTrue(references.Contains("System.Runtime"), $"{name}: its assembly references were not read");
            found.AddRange(references.Where(r => r.StartsWith("Tmds.", StringComparison.Ordinal) || r.Contains("LibC", StringComparison.OrdinalIgnoreCase)).Select(r => $"{name} -> {r}"));
        }

        Assert.AreEqual(0, found.Count, "libc binding packages referenced:\n" + string.Join('\n', found));
    }

    [TestMethod]
    public void Architecture_checker_finds_every_kind_of_reference()
    {
        var scan = AssemblyScan.Read(typeof(ArchitectureTests).Assembly.Location);

        var violations = FolderRules.Violations(scan, FixtureRoot, DependencyRule.Parse("`Lower` ← `Upper`"));

        string[] expected =
        [
            "Lower/ViaAsyncStateMachine -> Upper.Target",
            "Lower/ViaAttributeNamedArrayArgument -> Upper.TargetStruct",
            "Lower/ViaAttributeTypeArgument -> Upper.Target",
            "Lower/ViaBaseType -> Upper.Target",
            "Lower/ViaBoxAndUnbox -> Upper.TargetStruct",
            "Lower/ViaCall -> Upper.Target",
            "Lower/ViaCast -> Upper.Target",
            "Lower/ViaCatch -> Upper.TargetException",
            "Lower/ViaClosure -> Upper.Target",
            "Lower/ViaEventType -> Upper.TargetHandler",
            "Lower/ViaFieldType -> Upper.Target",
            "Lower/ViaGenericArgument -> Upper.Target",
            "Lower/ViaGenericMethodArgument -> Upper.Target",
            "Lower/ViaGenericMethodInstantiationOnly -> Upper.TargetException",
            "Lower/ViaGenericTypeMember -> Upper.Generic",
            "Lower/ViaInterface -> Upper.ITarget",
            "Lower/ViaIsInstance -> Upper.ITarget",
            "Lower/ViaIterator -> Upper.Target",
            "Lower/ViaLambda -> Upper.TargetStruct",
            "Lower/ViaLocalFunction -> Upper.Target",
            "Lower/ViaMethodConstraint -> Upper.ITarget",
            "Lower/ViaMethodGroup -> Upper.Target",
            "Lower/ViaNestedType -> Upper.Target",
            "Lower/ViaNewArray -> Upper.TargetHandler",
            "Lower/ViaNewObject -> Upper.Target",
            "Lower/ViaParameter -> Upper.TargetStruct",
            "Lower/ViaParameterAttribute -> Upper.TargetAttribute",
            "Lower/ViaPropertyType -> Upper.TargetStruct",
            "Lower/ViaReturnType -> Upper.Target",
            "Lower/ViaStaticFieldLoad -> Upper.Target",
            "Lower/ViaStaticFieldStore -> Upper.Target",
            "Lower/ViaTypeAttribute -> Upper.TargetAttribute",
            "Lower/ViaTypeConstraint -> Upper.Target",
            "Lower/ViaTypeOf -> Upper.TargetException",
        ];
        CollectionAssert.AreEqual(expected, violations, "found:\n" + string.Join('\n', violations));
    }

    [TestMethod]
    public void Architecture_checker_finds_pinvokes_and_folders_the_rule_does_not_place()
    {
        var scan = AssemblyScan.Read(typeof(ArchitectureTests).Assembly.Location);

        var pinvokes = scan.PInvokes.Where(p => p.Type.IsUnder(FixtureRoot)).Select(p => $"{p.Type} {p.Library}!{p.EntryPoint}").Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(
            new[] { $"{FixtureRoot}.Lower.NativeCalls libc!getpid", $"{FixtureRoot}.Lower.NativeCalls libc!getppid" },
            pinvokes,
            string.Join('\n', pinvokes));
        Assert.AreEqual(0, FolderRules.PInvokesOutside(scan, FixtureRoot + ".Lower").Count(p => p.Contains("Fixture", StringComparison.Ordinal)));
        Assert.AreEqual(2, FolderRules.PInvokesOutside(scan, FixtureRoot + ".Upper").Count(p => p.Contains("Fixture", StringComparison.Ordinal)));

        var rule = DependencyRule.Parse("`Lower` ← `Elsewhere`");
        CollectionAssert.AreEqual(new[] { "Upper (e.g. Upper/Generic)" }, FolderRules.UnplacedFolders(scan, FixtureRoot, rule));
        Assert.AreEqual(0, FolderRules.Violations(scan, FixtureRoot, rule).Count, "a folder the rule does not place is reported as such, not as uses");
    }

    [TestMethod]
    public void Architecture_rule_is_one_marked_line_of_folder_names()
    {
        var rule = DependencyRule.FromMarkdown("# Doc\n\nDependency rule: `Os` ← `Diagnostics` ← `Images`\n\nA folder may use ...\n");
        CollectionAssert.AreEqual(new[] { "Os", "Diagnostics", "Images" }, rule.Folders.ToList());
        Assert.IsTrue(rule.Allows("Images", "Os"));
        Assert.IsTrue(rule.Allows("Images", "Images"));
        Assert.IsFalse(rule.Allows("Diagnostics", "Images"));
        Assert.IsFalse(rule.Allows("Os", "Diagnostics"));

        foreach (var bad in new[]
        {
            "no rule here",
            "Dependency rule: `A` ← `B`\nDependency rule: `A` ← `C`",
            "Dependency rule: `A` ← ",
            "Dependency rule: `A` ← `a b`",
            "Dependency rule: `A`",
            "Dependency rule: `A` ← `B` ← `A`",
        })
        {
            Assert.ThrowsExactly<FormatException>(() => DependencyRule.FromMarkdown(bad), bad);
        }
    }

    private static string CoreAssembly => typeof(global::Containerize.Core.Diagnostics.Diagnostic).Assembly.Location;

    private static string CliAssembly => typeof(global::Containerize.Cli.CliApp).Assembly.Location;

    private static DependencyRule DocumentedRule() =>
        DependencyRule.FromMarkdown(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "architecture.md")));

    /// <summary>The MSBuild tasks as built beside these tests (the test project builds it first, without referencing it).</summary>
    private static string TasksAssembly()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory))) ?? "Release";
        var path = Path.Combine(RepoPaths.Root, "src", "Containerize.Tasks", "bin", configuration, "net10.0", "Containerize.Tasks.dll");
        if (!File.Exists(path)) Requirements.Missing($"{path} is not built: build Containerize.sln");
        return path;
    }
}
