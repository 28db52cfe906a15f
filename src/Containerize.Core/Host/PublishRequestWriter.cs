using System.Buffers;
using System.Text.Json;
using Containerize.Core.Generation;
using Containerize.Core.Publishing;

namespace Containerize.Core.Host;

/// <summary>
/// Writes a <see cref="ContainerPublishRequest"/> as the JSON <see cref="PublishRequestFile"/> reads, by hand. The task
/// writes it in MSBuild's process, where System.Text.Json's generated code would still instantiate converters and
/// metadata over our types, which the JIT compiles on every publish (about 20 ms); these are plain writer calls,
/// precompiled with the rest of Core. A test checks that it writes exactly what the generated serializer writes.
/// </summary>
public static class PublishRequestWriter
{
    public static byte[] ToUtf8(ContainerPublishRequest r)
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WritePropertyName("Project");
            Project(w, r.Project);
            w.WriteStartArray("Files");
            foreach (var f in r.Files)
            {
                w.WriteStartObject();
                w.WriteString("RelativePath", f.RelativePath);
                w.WriteString("SourcePath", f.SourcePath);
                w.WriteString("NuGetPackageId", f.NuGetPackageId);
                w.WriteString("NuGetPackageVersion", f.NuGetPackageVersion);
                w.WriteString("MSBuildSourceProjectFile", f.MSBuildSourceProjectFile);
                w.WriteString("ReferenceSourceTarget", f.ReferenceSourceTarget);
                w.WriteString("AssetType", f.AssetType);
                w.WriteBoolean("Executable", f.Executable);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("PublishDirectory", r.PublishDirectory);
            w.WriteString("ContainerDirectory", r.ContainerDirectory);
            w.WriteString("StorePath", r.StorePath);
            w.WriteBoolean("StoreOnly", r.StoreOnly);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Project(Utf8JsonWriter w, ProjectModel p)
    {
        w.WriteStartObject();
        w.WriteString("ProjectPath", p.ProjectPath);
        w.WriteString("ContextRoot", p.ContextRoot);
        w.WriteString("AssemblyName", p.AssemblyName);
        w.WriteString("TargetFileName", p.TargetFileName);
        w.WriteString("NativeExecutableExtension", p.NativeExecutableExtension);
        w.WriteString("TargetFramework", p.TargetFramework);
        Strings(w, "TargetFrameworks", p.TargetFrameworks);
        w.WriteString("TargetFrameworkIdentifier", p.TargetFrameworkIdentifier);
        w.WriteString("TargetFrameworkVersion", p.TargetFrameworkVersion);
        w.WriteString("SdkVersion", p.SdkVersion);
        w.WriteString("SdkRuntimeIdentifier", p.SdkRuntimeIdentifier);
        w.WriteString("RuntimeIdentifier", p.RuntimeIdentifier);
        Strings(w, "RuntimeIdentifiers", p.RuntimeIdentifiers);
        w.WriteBoolean("IsRidAgnostic", p.IsRidAgnostic);
        w.WriteBoolean("SelfContained", p.SelfContained);
        w.WriteBoolean("PublishAot", p.PublishAot);
        w.WriteBoolean("PublishTrimmed", p.PublishTrimmed);
        w.WriteBoolean("InvariantGlobalization", p.InvariantGlobalization);
        w.WriteBoolean("UsingMicrosoftNETSdkWeb", p.UsingMicrosoftNETSdkWeb);
        Strings(w, "FrameworkReferences", p.FrameworkReferences);
        w.WriteBoolean("IsPublishable", p.IsPublishable);
        w.WriteString("OutputType", p.OutputType);
        Strings(w, "ProjectReferences", p.ProjectReferences);
        Strings(w, "RestoreFiles", p.RestoreFiles);
        w.WriteString("ProjectAssetsFile", p.ProjectAssetsFile);
        w.WritePropertyName("Metadata");
        Metadata(w, p.Metadata);
        w.WritePropertyName("Container");
        Container(w, p.Container);
        w.WriteEndObject();
    }

    private static void Metadata(Utf8JsonWriter w, ProjectMetadata m)
    {
        w.WriteStartObject();
        w.WriteString("Description", m.Description);
        w.WriteString("Authors", m.Authors);
        w.WriteString("PackageProjectUrl", m.PackageProjectUrl);
        w.WriteString("PackageVersion", m.PackageVersion);
        w.WriteString("PackageLicenseExpression", m.PackageLicenseExpression);
        w.WriteString("Title", m.Title);
        w.WriteBoolean("PublishRepositoryUrl", m.PublishRepositoryUrl);
        w.WriteString("RepositoryUrl", m.RepositoryUrl);
        w.WriteString("RepositoryType", m.RepositoryType);
        w.WriteString("SourceRevisionId", m.SourceRevisionId);
        w.WriteEndObject();
    }

    private static void Container(Utf8JsonWriter w, ContainerProperties c)
    {
        w.WriteStartObject();
        w.WriteString("ContainerBaseImage", c.ContainerBaseImage);
        w.WriteString("ContainerFamily", c.ContainerFamily);
        w.WriteString("ContainerRuntimeIdentifier", c.ContainerRuntimeIdentifier);
        Strings(w, "ContainerRuntimeIdentifiers", c.ContainerRuntimeIdentifiers);
        w.WriteString("ContainerRegistry", c.ContainerRegistry);
        w.WriteString("ContainerRepository", c.ContainerRepository);
        w.WriteString("ContainerImageTag", c.ContainerImageTag);
        Strings(w, "ContainerImageTags", c.ContainerImageTags);
        w.WriteString("ContainerWorkingDirectory", c.ContainerWorkingDirectory);
        w.WriteString("ContainerUser", c.ContainerUser);
        Ports(w, "ContainerPort", c.ContainerPort);
        Pairs(w, "ContainerEnvironmentVariable", c.ContainerEnvironmentVariable);
        Pairs(w, "ContainerLabel", c.ContainerLabel);
        Strings(w, "ContainerAppCommand", c.ContainerAppCommand);
        Strings(w, "ContainerAppCommandArgs", c.ContainerAppCommandArgs);
        w.WriteString("ContainerAppCommandInstruction", c.ContainerAppCommandInstruction);
        Strings(w, "ContainerDefaultArgs", c.ContainerDefaultArgs);
        Strings(w, "ContainerEntrypoint", c.ContainerEntrypoint);
        Strings(w, "ContainerEntrypointArgs", c.ContainerEntrypointArgs);
        w.WriteBoolean("ContainerGenerateLabels", c.ContainerGenerateLabels);
        w.WriteBoolean("ContainerGenerateLabelsImageCreated", c.ContainerGenerateLabelsImageCreated);
        w.WriteBoolean("ContainerGenerateLabelsImageBaseName", c.ContainerGenerateLabelsImageBaseName);
        w.WriteBoolean("ContainerGenerateLabelsDotnetToolset", c.ContainerGenerateLabelsDotnetToolset);
        w.WriteString("ContainerDescription", c.ContainerDescription);
        w.WriteString("ContainerAuthors", c.ContainerAuthors);
        w.WriteString("ContainerInformationUrl", c.ContainerInformationUrl);
        w.WriteString("ContainerDocumentationUrl", c.ContainerDocumentationUrl);
        w.WriteString("ContainerVersion", c.ContainerVersion);
        w.WriteString("ContainerLicenseExpression", c.ContainerLicenseExpression);
        w.WriteString("ContainerTitle", c.ContainerTitle);
        w.WriteString("ContainerVendor", c.ContainerVendor);
        w.WriteNumber("ContainerBuildMode", (int)c.ContainerBuildMode);
        w.WriteNumber("ContainerLayering", (int)c.ContainerLayering);
        w.WriteBoolean("ContainerIncludeSymbols", c.ContainerIncludeSymbols);
        w.WriteBoolean("ContainerSbom", c.ContainerSbom);
        w.WriteString("ContainerSbomFormat", c.ContainerSbomFormat);
        w.WriteBoolean("ContainerProvenance", c.ContainerProvenance);
        w.WriteBoolean("ContainerAttestationsRequired", c.ContainerAttestationsRequired);
        w.WriteString("ContainerSigningKey", c.ContainerSigningKey);
        w.WriteString("ContainerSigningKeyPasswordVariable", c.ContainerSigningKeyPasswordVariable);
        w.WriteString("ContainerBaseImageMirror", c.ContainerBaseImageMirror);
        Pairs(w, "ContainerBuildArg", c.ContainerBuildArg);
        w.WriteString("ContainerSourceDateEpoch", c.ContainerSourceDateEpoch);
        w.WriteBoolean("ContainerRestoreCaBundleSecret", c.ContainerRestoreCaBundleSecret);
        w.WriteString("ContainerRestoreLocalSource", c.ContainerRestoreLocalSource);
        w.WriteString("ContainerArchiveOutputPath", c.ContainerArchiveOutputPath);
        w.WriteString("ContainerImageFormat", c.ContainerImageFormat);
        w.WriteString("LocalRegistry", c.LocalRegistry);
        w.WriteString("ContainerDockerfile", c.ContainerDockerfile);
        w.WriteString("ContainerTarget", c.ContainerTarget);
        w.WriteBoolean("ContainerNoCache", c.ContainerNoCache);
        w.WriteString("ContainerBuildEngine", c.ContainerBuildEngine);
        w.WriteString("ContainerBuildNetwork", c.ContainerBuildNetwork);
        w.WriteBoolean("ContainerWriteDockerfile", c.ContainerWriteDockerfile);
        w.WriteBoolean("ContainerOffline", c.ContainerOffline);
        w.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void Pairs(Utf8JsonWriter w, string name, IReadOnlyList<NameValueItem> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStartObject();
            w.WriteString("Name", v.Name);
            w.WriteString("Value", v.Value);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void Ports(Utf8JsonWriter w, string name, IReadOnlyList<ContainerPortItem> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStartObject();
            w.WriteString("Include", v.Include);
            w.WriteString("Type", v.Type);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
