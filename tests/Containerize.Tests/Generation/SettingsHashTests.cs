using System.Security;
using System.Text;
using Containerize.Core.Host;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>
/// The skip decision in real MSBuild: a driver project imports the package's props and targets from the source tree
/// and evaluates the settings hash (<c>_ContainerizeInputs</c>, <c>_ContainerizeHashInputs</c>) once per variation (each input of PropertySchema changed in turn, every
/// item metadata the mapping reads changed in turn). Every variation gives another settings hash than the baseline,
/// so no changed input can leave a stale image behind "image build skipped (nothing changed)".
/// </summary>
[TestClass]
public sealed class SettingsHashTests
{
    [TestMethod]
    [Timeout(300_000)]
    public async Task ChangingAnyInputOrItsMetadataChangesTheSettingsHash()
    {
        using var dir = new TempDir("ctz-settings-hash");
        // As after restore: MSBuild normalises obj's path differently before the folder exists.
        Directory.CreateDirectory(dir.Combine("obj"));
        var build = Path.Combine(RepoPaths.Root, "sdk", "Containerize.Sdk", "build");
        var variations = new List<(string Name, string Properties)> { ("baseline", "") };
        var lists = new List<string>();
        foreach (var spec in PropertySchema.All.Where(p => !p.TargetsOnly))
        {
            if (spec.Name == "ProjectPath") continue; // MSBuildProjectFullPath is reserved: no build can set it
            if (spec.Kind == InputKind.List)
            {
                if (spec.Name == "RestoreFiles") variations.Add((spec.Name, "DirectoryBuildPropsPath=" + Path.Combine(dir.Path, "Directory.Build.props")));
                else
                {
                    lists.Add(spec.Source);
                    variations.Add((spec.Name, $"Add_{spec.Source}={spec.Example ?? "added"}"));
                }

                continue;
            }

            var value = spec.Kind == InputKind.Bool ? (spec.Default == "true" ? "false" : "true") : spec.Example ?? "changed";
            // The targets derive _ContainerizeSelfContained from what the user sets.
            var property = spec.Name == "SelfContained" ? "SelfContained" : spec.Source;
            variations.Add((spec.Name, $"{property}={value}"));
        }

        // The metadata of a list member: the baseline items carry "a" in each, a variation changes one.
        foreach (var metadata in PropertySchema.ItemMetadata) variations.Add(("metadata " + metadata, $"Meta_{metadata}=b"));
        // Characters that MSBuild escapes or quotes: the hash survives them and still sees the change.
        variations.Add(("quotes", "Description=It's 50%25 done%3B ok"));
        variations.Add(("environment SOURCE_DATE_EPOCH", "SOURCE_DATE_EPOCH=86400"));

        var metadataAttributes = string.Join(' ', PropertySchema.ItemMetadata.Select(m => $"{m}=\"$([MSBuild]::ValueOrDefault('$(Meta_{m})', 'a'))\""));
        var project = new StringBuilder();
        project.Append($"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{SecurityElement.Escape(Path.Combine(build, "Containerize.Sdk.props"))}" />
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ContainerBuild>true</ContainerBuild>
              </PropertyGroup>
              <ItemGroup>
                <ResolvedFileToPublish Include="App.dll" {metadataAttributes} />
                <ContainerPort Include="8080" {metadataAttributes} />

            """);
        foreach (var item in lists) project.Append($"    <{item} Include=\"$(Add_{item})\" Condition=\"'$(Add_{item})' != ''\" />\n");
        project.Append($"""
              </ItemGroup>
              <Import Project="{SecurityElement.Escape(Path.Combine(build, "Containerize.Sdk.targets"))}" />
              <Target Name="DriverOne" DependsOnTargets="_ContainerizeInputs;_ContainerizeHashInputs" Returns="$(DriverVariation)=$(_ContainerizeSettingsHash)" />
              <Target Name="HashAll">
                <ItemGroup>

            """);
        for (var i = 0; i < variations.Count; i++)
        {
            var props = $"DriverVariation={i};{variations[i].Properties}".TrimEnd(';');
            project.Append($"      <Variation Include=\"$(MSBuildProjectFullPath)\" AdditionalProperties=\"{SecurityElement.Escape(props)}\" />\n");
        }

        project.Append("""
                </ItemGroup>
                <MSBuild Projects="@(Variation)" Targets="DriverOne" BuildInParallel="false">
                  <Output TaskParameter="TargetOutputs" ItemName="Hash" />
                </MSBuild>
                <WriteLinesToFile File="$(MSBuildProjectDirectory)/hashes.txt" Lines="@(Hash)" Overwrite="true" />
              </Target>
            </Project>
            """);
        var path = dir.Combine("Driver.csproj");
        await File.WriteAllTextAsync(path, project.ToString());

        var r = await SdkPackage.DotnetAsync(dir.Path, "msbuild", path, "-t:HashAll", "-nologo", "-v:q");
        r.EnsureSuccess("dotnet msbuild -t:HashAll");
        var hashes = (await File.ReadAllLinesAsync(dir.Combine("hashes.txt")))
            .Select(l => l.Split('=', 2)).ToDictionary(p => int.Parse(p[0]), p => p[1]);
        Assert.AreEqual(variations.Count, hashes.Count, "one hash per variation");
        var baseline = hashes[0];
        Assert.IsTrue(baseline.Length > 0);
        var unchanged = Enumerable.Range(1, variations.Count - 1).Where(i => hashes[i] == baseline).Select(i => variations[i].Name).ToList();
        Assert.IsTrue(unchanged.Count == 0, "these inputs do not change the settings hash, so a publish would skip with a stale image: " + string.Join(", ", unchanged));
    }
}
