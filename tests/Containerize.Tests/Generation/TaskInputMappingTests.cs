using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Host;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>
/// The one mapping of the package's task inputs, fed the JSON the netstandard2.0 task writes: values, lists with their
/// metadata, MSBuild's boolean words, and names it does not know (CTZ6036) or values it cannot read (CTZ6019).
/// </summary>
[TestClass]
public sealed class TaskInputMappingTests
{
    [TestMethod]
    public void InputsAsTheOutOfProcessTaskWritesThemMapOntoTheRequest()
    {
        using var dir = new TempDir("ctz-inputs");
        var project = dir.Combine("App", "App.csproj");
        Directory.CreateDirectory(Path.GetDirectoryName(project)!);
        File.WriteAllText(project, "<Project />");
        var inputs = Parse(project, """
            "Values":{"ProjectPath":"PROJECT","AssemblyName":"App","ContainerDirectory":"obj/container/","TargetFrameworks":"net8.0; net10.0",
                      "SelfContained":"On","ContainerGenerateLabels":"!true","ContainerNoCache":"","ContainerEnv":"C=3","StoreOnly":"yes"},
            "Lists":{"ContainerPort":[{"Spec":"8080","Metadata":{"Type":"udp","FullPath":"/x/8080"}}],
                     "ContainerEnvironmentVariable":[{"Spec":"A","Metadata":{"Value":" 1;2 "}}],
                     "ResolvedFileToPublish":[{"Spec":"bin/App.dll","Metadata":{"RelativePath":"App.dll","AssetType":" ","FullPath":"/src/App/bin/App.dll"}}]}
            """);

        var request = TaskInputMapping.ToPublishRequest(inputs);

        Assert.AreEqual(Path.Combine(dir.Path, "App", "obj", "container"), request.ContainerDirectory.TrimEnd('/'));
        CollectionAssert.AreEqual(new[] { "net8.0", "net10.0" }, request.Project.TargetFrameworks.ToArray());
        Assert.IsTrue(request.Project.SelfContained, "On is true, as MSBuild reads it");
        Assert.IsFalse(request.Project.Container.ContainerGenerateLabels, "!true is false");
        Assert.IsFalse(request.Project.Container.ContainerNoCache, "blank takes the default");
        Assert.IsTrue(request.StoreOnly);
        Assert.AreEqual(new ContainerPortItem("8080", "udp"), request.Project.Container.ContainerPort.Single());
        CollectionAssert.AreEqual(new[] { new NameValueItem("A", " 1;2 "), new NameValueItem("C", "3") }, request.Project.Container.ContainerEnvironmentVariable.ToArray());
        Assert.AreEqual(new PublishedFile("App.dll", "/src/App/bin/App.dll"), request.Files.Single(), "FullPath is the source; a blank metadata is null");
    }

    [TestMethod]
    public void AnInputTheMappingDoesNotKnowIsCTZ6036()
    {
        using var dir = new TempDir("ctz-inputs");
        var project = dir.Combine("App.csproj");
        var inputs = Parse(project, """
            "Values":{"ProjectPath":"PROJECT","AssemblyName":"App","ContainerDirectory":"obj/container/","ContainerColour":"blue"},
            "Lists":{"ContainerLabels2":[{"Spec":"x","Metadata":{}}]}
            """);
        var e = Assert.Throws<ContainerizeException>(() => TaskInputMapping.ToPublishRequest(inputs));
        Assert.AreEqual("CTZ6036", e.Diagnostic.Code);
        StringAssert.Contains(e.Diagnostic.Message, "ContainerColour, ContainerLabels2");
        Assert.AreEqual(project, e.Diagnostic.File);
        Assert.IsNotNull(e.Diagnostic.Hint);

        var index = Parse(project, """
            "Task":"ContainerizeIndex","Values":{"ProjectPath":"PROJECT","AssemblyName":"App","ContainerDirectory":"obj/container/","SelfContained":"true"}
            """);
        Assert.AreEqual("CTZ6036", Assert.Throws<ContainerizeException>(() => TaskInputMapping.ToIndexRequest(index)).Diagnostic.Code, "the index reads its own names only");
    }

    [TestMethod]
    public void ABooleanMSBuildWouldNotReadIsCTZ6019()
    {
        using var dir = new TempDir("ctz-inputs");
        var inputs = Parse(dir.Combine("App.csproj"), """
            "Values":{"ProjectPath":"PROJECT","AssemblyName":"App","ContainerDirectory":"obj/container/","ContainerNoCache":"maybe"}
            """);
        var e = Assert.Throws<ContainerizeException>(() => TaskInputMapping.ToPublishRequest(inputs));
        Assert.AreEqual("CTZ6019", e.Diagnostic.Code);
        StringAssert.Contains(e.Diagnostic.Message, "ContainerNoCache has the invalid value 'maybe'");
    }

    [TestMethod]
    public void MSBuildsBooleanWordsAndOneUnknownNameAreReadAsMSBuildReadsThem()
    {
        using var dir = new TempDir("ctz-inputs");
        var project = dir.Combine("App.csproj");
        var request = TaskInputMapping.ToPublishRequest(Parse(project, """
            "Values":{"ProjectPath":"PROJECT","AssemblyName":"App","ContainerDirectory":"obj/container/","ContainerGenerateLabels":"off",
                      "ContainerIncludeSymbols":"No","ContainerNoCache":"yes","SdkVersion":"","SelfContained":" FALSE "}
            """));
        Assert.IsFalse(request.Project.Container.ContainerGenerateLabels, "off");
        Assert.IsFalse(request.Project.Container.ContainerIncludeSymbols, "No");
        Assert.IsTrue(request.Project.Container.ContainerNoCache, "yes");
        Assert.IsFalse(request.Project.SelfContained);
        Assert.AreEqual("", request.Project.SdkVersion, "blank: the planner says which SDK version it needs");

        var e = Assert.Throws<ContainerizeException>(() => TaskInputMapping.ToPublishRequest(Parse(project, """
            "Values":{"ProjectPath":"PROJECT","AssemblyName":"App","ContainerDirectory":"obj/container/","ContainerColour":"blue"}
            """)));
        StringAssert.Contains(e.Diagnostic.Message, "does not know the input ContainerColour");
        var bad = Assert.Throws<ContainerizeException>(() => TaskInputMapping.ToPublishRequest(Parse(project, """
            "Values":{"ProjectPath":"PROJECT","AssemblyName":"App","ContainerDirectory":"obj/container/","ContainerNoCache":"maybe"}
            """)));
        Assert.AreEqual("use true or false", bad.Diagnostic.Hint);
    }

    private static TaskInputs Parse(string project, string members)
    {
        var json = "{" + (members.Contains("\"Task\"") ? "" : "\"Task\":\"ContainerizeBuild\",") + members.Replace("PROJECT", project) + "}";
        return TaskInputs.Parse(Encoding.UTF8.GetBytes(json), "test");
    }
}
