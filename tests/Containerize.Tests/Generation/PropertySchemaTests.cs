using System.Text.RegularExpressions;
using System.Text;
using System.Xml.Linq;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Host;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>
/// PropertySchema is the one list of the package's inputs: the targets pass exactly its names from the properties it
/// names, the settings hash is made from that list (not from a copy), the mapping reads only its names with its
/// defaults, the README's table is made from it, and every input it says changes the image does change the image.
/// </summary>
[TestClass]
public sealed partial class PropertySchemaTests
{
    private static readonly string TargetsPath = Path.Combine(RepoPaths.Root, "sdk", "Containerize.Sdk", "build", "Containerize.Sdk.targets");

    private static XElement[] TargetItems(string itemName) =>
        XDocument.Load(TargetsPath).Descendants().Where(e => e.Name.LocalName == itemName).ToArray();

    // The input list as the targets declare it (_ContainerizeInputs): _ContainerizeApplyConfig only changes its entries.
    private static XElement[] DeclaredInputs() =>
        XDocument.Load(TargetsPath).Descendants().Where(e => e.Name.LocalName == "Target" && (string?)e.Attribute("Name") == "_ContainerizeInputs")
            .Single().Descendants().Where(e => e.Name.LocalName == "_ContainerizeInput").ToArray();

    // An entry's input name: the Include of a value, the ContainerizeList of a list member.
    private static string InputName(XElement e) => (string?)e.Attribute("ContainerizeList") ?? (string)e.Attribute("Include")!;

    [TestMethod]
    public void TheTargetsPassEveryInputOfTheSchemaFromThePropertyItNames()
    {
        var entries = DeclaredInputs();
        var names = entries.Select(InputName).ToList();
        Assert.AreEqual(names.Count, names.Distinct().Count(), "each input is listed once: " + string.Join(", ", names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key)));
        CollectionAssert.AreEquivalent(PropertySchema.All.Where(p => !p.TargetsOnly).Select(p => p.Name).ToList(), names, "the targets' _ContainerizeInput and PropertySchema hold the same names");
        foreach (var e in entries)
        {
            var spec = PropertySchema.Find(InputName(e))!;
            var source = (string?)e.Attribute("ContainerizeValue") ?? (string)e.Attribute("Include")!;
            Assert.AreEqual(spec.Kind == InputKind.List, e.Attribute("ContainerizeList") is not null, $"{spec.Name}: a list in the schema is a list in the targets");
            StringAssert.Contains(source, spec.Kind == InputKind.List ? $"({spec.Source})" : $"$({spec.Source})", $"{spec.Name} comes from {spec.Source}");
        }
    }

    [TestMethod]
    public void EveryPropertyTheTargetsReadIsInTheSchema()
    {
        var text = File.ReadAllText(TargetsPath) + File.ReadAllText(Path.ChangeExtension(TargetsPath, ".props"))
            + File.ReadAllText(Path.ChangeExtension(TargetsPath, ".PublishContainer.targets"));
        foreach (var spec in PropertySchema.All.Where(p => p.TargetsOnly)) StringAssert.Contains(text, $"$({spec.Source})", spec.Name + " is read by the targets");
        // The package's own plumbing (paths of its assemblies, files it writes), not settings.
        var plumbing = new HashSet<string>(StringComparer.Ordinal)
        {
            "ContainerizeVersion", "ContainerizeTasksAssembly", "ContainerizeOutOfProcessTasksAssembly", "ContainerizeCliAssembly",
            "ContainerizeMetadataPath", "ContainerizeSdkEnabled", "ContainerizeDirectory",
            // Extension points (lists of targets), not settings of the image.
            "ComputeContainerizeConfigDependsOn", "ContainerizeImageDependsOn", "PublishContainerDependsOn",
        };
        var sources = PropertySchema.All.Select(p => p.Source).ToHashSet(StringComparer.Ordinal);
        var unknown = ContainerPropertyReference().Matches(text).Select(m => m.Groups[1].Value)
            .Where(n => !sources.Contains(n) && !plumbing.Contains(n)).Distinct().Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEquivalent(Array.Empty<string>(), unknown, "a Container* property the targets read is in PropertySchema (or is the package's plumbing)");
    }

    [TestMethod]
    public void TheIndexTaskPassesOnlyNamesOfTheSchema()
    {
        var names = TargetItems("_ContainerizeIndexInput").Select(InputName).ToList();
        Assert.IsTrue(names.Count >= 10);
        CollectionAssert.AreEquivalent(Array.Empty<string>(), names.Where(n => PropertySchema.Find(n) is null).ToList());
    }

    [TestMethod]
    public void TheSettingsHashIsMadeFromTheInputListAndTheMetadataTheMappingReads()
    {
        var text = TargetItems("_ContainerizeSettingsText").Single().Value;
        StringAssert.StartsWith(text.Split("@(", 2)[1], "_ContainerizeInput->", "the hash covers the one input list");
        foreach (var metadata in new[] { "Identity", "ContainerizeList", "ContainerizeValue" }.Concat(PropertySchema.ItemMetadata))
        {
            StringAssert.Contains(text, $"%({metadata})", "the hash covers the metadata " + metadata);
        }

        // No property is listed a second time for the hash: only the version and what Core reads from the environment.
        var properties = PropertyReference().Matches(text).Select(m => m.Groups[1].Value).ToList();
        CollectionAssert.AreEquivalent(new[] { "ContainerizeVersion", "SOURCE_DATE_EPOCH", "CONTAINERIZE_STORE" }, properties);

        // Every metadata the mapping reads is in the hash: mapped once with and once without each.
        var inputs = Baseline(new TempDir("ctz-schema-meta"), out _);
        foreach (var metadata in PropertySchema.ItemMetadata.Where(m => m is not ("Type" or "Value")))
        {
            var value = metadata == "ContainerExecutable" ? "true" : "changed";
            var changed = With(inputs, "ResolvedFileToPublish", items => items.Select(i => i with { Metadata = new Dictionary<string, string>(i.Metadata) { [metadata] = value } }).ToList());
            var a = PublishRequestWriter.ToUtf8(TaskInputMapping.ToPublishRequest(inputs));
            var b = PublishRequestWriter.ToUtf8(TaskInputMapping.ToPublishRequest(changed));
            Assert.IsFalse(a.AsSpan().SequenceEqual(b), $"the mapping reads the metadata {metadata} (so it belongs in PropertySchema.ItemMetadata)");
        }
    }

    [TestMethod]
    public void TheMappingReadsEverySchemaNameAndDefaultsFromTheSchema()
    {
        foreach (var spec in PropertySchema.All.Where(p => p.Kind == InputKind.Bool))
        {
            Assert.IsTrue(bool.TryParse(spec.Default, out _), $"{spec.Name}: a boolean's default is true or false, not '{spec.Default}'");
        }

        using var dir = new TempDir("ctz-schema-all");
        var inputs = Baseline(dir, out _);
        // Every name present (blank values take the defaults): none is unknown, so none is CTZ6036.
        var all = inputs with
        {
            Values = PropertySchema.All.Where(p => p.Kind != InputKind.List && !p.TargetsOnly).ToDictionary(p => p.Name, p => inputs.Values.GetValueOrDefault(p.Name, "")),
            Lists = PropertySchema.All.Where(p => p.Kind == InputKind.List && !p.TargetsOnly).ToDictionary(p => p.Name, p => inputs.Lists.GetValueOrDefault(p.Name, [])),
        };
        var request = TaskInputMapping.ToPublishRequest(all);
        Assert.AreEqual("Exe", request.Project.OutputType, "the schema's default");
        Assert.IsTrue(request.Project.Container.ContainerIncludeSymbols, "symbols are in the image by default, as in the SDK's");
        Assert.IsTrue(request.Project.Container.ContainerGenerateLabels);
    }

    /// <summary>
    /// Each input in turn set to its example (a boolean to the opposite of the baseline): one that feeds the image
    /// changes the planned image (Dockerfiles, layers and their modes, base, build arguments), one that feeds the names
    /// changes only the names, one that feeds a destination or the machine changes neither.
    /// </summary>
    [TestMethod]
    public void EveryInputChangesWhatTheSchemaSaysItFeeds()
    {
        using var dir = new TempDir("ctz-schema-change");
        var baseline = Baseline(dir, out var extra);
        var untested = new List<string>();
        foreach (var spec in PropertySchema.All.Where(p => !p.TargetsOnly))
        {
            TaskInputs changed;
            var before = baseline;
            // An input that matters only with another one: both sides get the other one.
            before = spec.Name switch
            {
                "IsRidAgnostic" => WithValue(baseline, "RuntimeIdentifiers", "linux-x64;linux-arm64"),
                "PublishTrimmed" => WithValue(baseline, "SelfContained", "true"),
                "InvariantGlobalization" => WithValue(baseline, "PublishAot", "true"),
                _ => baseline,
            };
            if (extra.TryGetValue(spec.Name, out var setup)) changed = setup(before);
            else if (spec.Kind == InputKind.Bool)
            {
                var now = before.Values.TryGetValue(spec.Name, out var v) && v.Length > 0 ? bool.Parse(v) : bool.Parse(spec.Default!);
                changed = WithValue(before, spec.Name, (!now).ToString().ToLowerInvariant());
            }
            else if (spec.Example is null)
            {
                untested.Add(spec.Name);
                continue;
            }
            else if (spec.Kind == InputKind.List)
            {
                changed = With(before, spec.Name, items => [.. items, new TaskInputItem(spec.Example, new Dictionary<string, string> { ["Value"] = "v", ["Type"] = "tcp" })]);
            }
            else changed = WithValue(before, spec.Name, spec.Example);

            var (image0, names0) = Fingerprint(before);
            var (image, names) = Fingerprint(changed);
            if (spec.ChangesImage) Assert.AreNotEqual(image0, image, $"{spec.Name} feeds {spec.Feeds}: changing it must change the image");
            else if (spec.Feeds == ImagePart.Names)
            {
                Assert.AreEqual(image0, image, $"{spec.Name} feeds the names only");
                Assert.AreNotEqual(names0, names, $"{spec.Name} changes the names");
            }
            else Assert.AreEqual(image0, image, $"{spec.Name} feeds {spec.Feeds}: the image must not change");
        }

        // Inputs without an example are those whose effect needs other inputs or real files; each is named here with
        // the tests that cover it, so a new input cannot slip through without one.
        CollectionAssert.AreEquivalent(new[]
        {
            "ProjectPath", "ContainerDirectory", // where things are, not what the image is
            "TargetFrameworks", // CTZ6012 only: ValidationTests
            "TargetFrameworkIdentifier", // BaseImageInferenceTests, SdkInferenceConformanceTests
            "PublishDir", // PublishPiecesTests (files outside ResolvedFileToPublish)
            "ContainerStore", "ContainerBuildNetwork", "ContainerBuildEngine", // the machine
            "ProjectAssetsFile", // the SBOM: SbomDocumentTests, AttestationPublishTests
        }, untested, "inputs the loop does not vary");
    }

    [TestMethod]
    public void TheReadmeTableIsTheSchema()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        const string start = "<!-- property-table:start (made from PropertySchema; PropertySchemaTests checks it) -->\n";
        const string end = "<!-- property-table:end -->";
        var i = readme.IndexOf(start, StringComparison.Ordinal);
        var j = readme.IndexOf(end, StringComparison.Ordinal);
        Assert.IsTrue(i >= 0 && j > i, "the README holds the property table between its markers");
        var expected = PropertyTable.Markdown();
        var actual = readme[(i + start.Length)..j];
        if (actual != expected && Environment.GetEnvironmentVariable("CTZ_UPDATE_README") == "1")
        {
            File.WriteAllText(Path.Combine(RepoPaths.Root, "README.md"), readme[..(i + start.Length)] + expected + readme[j..]);
            return;
        }

        Assert.AreEqual(expected, actual, "the README's property table is made from PropertySchema (CTZ_UPDATE_README=1 rewrites it)");
    }

    // --- The baseline project: a console app with a NuGet file, symbols and repository metadata.

    private static TaskInputs Baseline(TempDir dir, out Dictionary<string, Func<TaskInputs, TaskInputs>> extra)
    {
        var project = dir.Combine("src", "App", "App.csproj");
        Directory.CreateDirectory(Path.GetDirectoryName(project)!);
        File.WriteAllText(project, "<Project />");
        var lib = dir.Combine("src", "Lib", "Lib.csproj");
        Directory.CreateDirectory(Path.GetDirectoryName(lib)!);
        File.WriteAllText(lib, "<Project />");
        var props = dir.Combine("Directory.Build.props");
        File.WriteAllText(props, "<Project />");
        var bin = dir.Combine("src", "App", "bin");
        Directory.CreateDirectory(bin);
        foreach (var f in new[] { "App", "App.dll", "App.pdb", "Foo.dll", "extra.txt" }) File.WriteAllText(Path.Combine(bin, f), f);
        TaskInputItem File1(string name, params (string, string)[] meta) =>
            new(Path.Combine(bin, name), new Dictionary<string, string>(meta.Select(m => KeyValuePair.Create(m.Item1, m.Item2))) { ["RelativePath"] = name, ["FullPath"] = Path.Combine(bin, name) });
        var inputs = new TaskInputs
        {
            Values = new Dictionary<string, string>
            {
                ["ProjectPath"] = project, ["ContainerDirectory"] = "obj/container/", ["AssemblyName"] = "App", ["TargetFileName"] = "App.dll",
                ["TargetFramework"] = "net10.0", ["TargetFrameworkIdentifier"] = ".NETCoreApp", ["TargetFrameworkVersion"] = "10.0",
                ["SdkVersion"] = "10.0.100", ["SdkRuntimeIdentifier"] = "linux-x64", ["OutputType"] = "Exe",
                ["PackageVersion"] = "1.0.0", ["PublishRepositoryUrl"] = "true", ["RepositoryUrl"] = "https://example.com/app.git",
                ["RepositoryType"] = "git", ["SourceRevisionId"] = "abc", ["SolutionDir"] = dir.Path + "/",
            },
            Lists = new Dictionary<string, IReadOnlyList<TaskInputItem>>
            {
                ["ResolvedFileToPublish"] =
                [
                    File1("App"), File1("App.dll"), File1("App.pdb"),
                    File1("Foo.dll", ("NuGetPackageId", "Foo"), ("NuGetPackageVersion", "1.0.0"), ("AssetType", "runtime")),
                ],
                ["ProjectReferences"] = [new TaskInputItem(lib, new Dictionary<string, string> { ["FullPath"] = lib })],
            },
        };
        extra = new()
        {
            // Files and paths that must exist, or combinations.
            ["ResolvedFileToPublish"] = b => With(b, "ResolvedFileToPublish", items => [.. items, File1("extra.txt")]),
            ["ProjectReferences"] = b => With(b, "ProjectReferences", _ => []),
            ["RestoreFiles"] = b => With(b, "RestoreFiles", _ => [new TaskInputItem(props, new Dictionary<string, string> { ["FullPath"] = props })]),
            ["SolutionDir"] = b => WithValue(b, "SolutionDir", Path.GetDirectoryName(project) + "/../"),
            ["ContainerDockerfile"] = b => WithValue(b, "ContainerDockerfile", "Dockerfile.custom"),
            ["ContainerTarget"] = b => WithValue(b, "ContainerTarget", "final"),
            ["ContainerRuntimeIdentifiers"] = b => WithValue(b, "ContainerRuntimeIdentifiers", "linux-x64;linux-arm64"),
            ["RuntimeIdentifiers"] = b => WithValue(b, "RuntimeIdentifiers", "linux-x64;linux-arm64"),
            ["SdkRuntimeIdentifier"] = b => WithValue(b, "SdkRuntimeIdentifier", "linux-arm64"),
            ["NativeExecutableExtension"] = b => WithValue(b, "NativeExecutableExtension", ".exe"),
            ["ContainerBuildContext"] = b => WithValue(b, "ContainerBuildContext", dir.Combine("src")),
            ["ContainerRestoreLocalSource"] = b => WithValue(b, "ContainerRestoreLocalSource", dir.Path),
            ["ContainerBuildArg"] = b => With(b, "ContainerBuildArg", _ => [new TaskInputItem("VERSION", new Dictionary<string, string> { ["Value"] = "2" })]),
            ["ContainerPort"] = b => With(b, "ContainerPort", _ => [new TaskInputItem("9090", new Dictionary<string, string> { ["Type"] = "udp" })]),
        };
        return inputs;
    }

    /// <summary>What the planned image is made of, and its names, as text.</summary>
    private static (string Image, string Names) Fingerprint(TaskInputs inputs)
    {
        ContainerPublishRequest request;
        try
        {
            request = TaskInputMapping.ToPublishRequest(inputs);
        }
        catch (ContainerizeException e)
        {
            return ("error " + e.Diagnostic.Code, "");
        }

        var (plan, errors) = ContainerPlanner.TryPlan(request.Project, DateTimeOffset.UnixEpoch);
        if (plan is null) return ("errors " + string.Join(",", errors.Select(e => e.Code)), "");
        var c = plan.Project.Container;
        var layers = LayerPlanner.Plan(request.Files, c.ContainerLayering, c.ContainerIncludeSymbols, plan.Project.ProjectPath,
            appHost: plan.Project.AssemblyName + plan.Project.NativeExecutableExtension);
        var b = new StringBuilder();
        b.AppendLine(DockerfileWriter.WriteHostMode(plan, layers));
        b.AppendLine(DockerfileWriter.WriteContainerMode(plan));
        foreach (var l in layers.Layers)
        {
            foreach (var f in l.Files) b.AppendLine($"{l.Name}/{f.RelativePath} {f.Mode}");
        }

        b.AppendLine($"{plan.BaseImage} {plan.Platform} {plan.BuildMode} {c.ContainerDockerfile} {c.ContainerTarget} {plan.Project.ContextRoot}");
        foreach (var a in plan.BuildArgs) b.AppendLine($"ARG {a.Name}={a.Value}");
        foreach (var s in ContainerModeBuild.Secrets(plan.Project).Concat(ContainerModeBuild.NamedContexts(plan.Project))) b.AppendLine($"{s.Key}={s.Value}");
        return (b.ToString(), string.Join(",", plan.ImageNames));
    }

    private static TaskInputs WithValue(TaskInputs inputs, string name, string value) =>
        inputs with { Values = new Dictionary<string, string>(inputs.Values) { [name] = value } };

    private static TaskInputs With(TaskInputs inputs, string name, Func<IReadOnlyList<TaskInputItem>, IReadOnlyList<TaskInputItem>> change) =>
        inputs with { Lists = new Dictionary<string, IReadOnlyList<TaskInputItem>>(inputs.Lists) { [name] = change(inputs.Lists.GetValueOrDefault(name, [])) } };

    [GeneratedRegex(@"\$\((Container\w*)[)\.]")]
    private static partial Regex ContainerPropertyReference();

    [GeneratedRegex(@"\$\((\w+)\)")]
    private static partial Regex PropertyReference();
}
