using System.Globalization;

namespace Containerize.Core.Generation;

/// <summary>
/// The labels ComputeContainerConfig generates (OCI annotation keys and the .NET toolset ones), in its order, followed by
/// the project's ContainerLabel items, which win on the same key. <c>org.opencontainers.image.base.digest</c> is left to
/// the engine: only it knows the digest it resolved.
/// </summary>
internal static class GeneratedLabels
{
    public static IReadOnlyList<NameValueItem> Compute(ProjectModel model, BaseImageChoice baseImage, long? sourceDateEpoch, DateTimeOffset now)
    {
        var c = model.Container;
        var m = model.Metadata;
        var labels = new List<NameValueItem>();
        if (c.ContainerGenerateLabels)
        {
            void Add(string value, params string[] keys)
            {
                if (string.IsNullOrEmpty(value)) return;
                foreach (var k in keys) labels.Add(new NameValueItem(k, value));
            }

            if (c.ContainerGenerateLabelsImageCreated)
            {
                // SOURCE_DATE_EPOCH makes the label, like the rest of the image, reproducible.
                var created = sourceDateEpoch is { } e ? DateTimeOffset.FromUnixTimeSeconds(e) : now.ToUniversalTime();
                Add(created.UtcDateTime.ToString("o", CultureInfo.InvariantCulture), "org.opencontainers.image.created", "org.opencontainers.artifact.created");
            }

            Add(First(c.ContainerDescription, m.Description), "org.opencontainers.artifact.description", "org.opencontainers.image.description");
            Add(First(c.ContainerAuthors, m.Authors), "org.opencontainers.image.authors");
            Add(First(c.ContainerInformationUrl, m.PackageProjectUrl), "org.opencontainers.image.url");
            Add(First(c.ContainerDocumentationUrl, m.PackageProjectUrl), "org.opencontainers.image.documentation");
            Add(First(c.ContainerVersion, m.PackageVersion), "org.opencontainers.image.version");
            Add(First(c.ContainerVendor), "org.opencontainers.image.vendor");
            Add(First(c.ContainerLicenseExpression, m.PackageLicenseExpression), "org.opencontainers.image.licenses");
            Add(First(c.ContainerTitle, m.Title), "org.opencontainers.image.title");
            if (c.ContainerGenerateLabelsImageBaseName) Add(baseImage.Reference, "org.opencontainers.image.base.name");
            if (c.ContainerGenerateLabelsDotnetToolset)
            {
                if (string.Equals(model.TargetFrameworkIdentifier, ".NETCoreApp", StringComparison.OrdinalIgnoreCase))
                {
                    Add(BaseImageInference.TargetFrameworkVersion(model) ?? "", "net.dot.runtime.majorminor");
                }

                Add(model.SdkVersion, "net.dot.sdk.version");
            }

            if (m.PublishRepositoryUrl)
            {
                var url = m.RepositoryUrl ?? "";
                if (m.RepositoryType == "git" && url.EndsWith(".git", StringComparison.Ordinal)) url = url[..url.LastIndexOf(".git", StringComparison.Ordinal)];
                Add(url, "org.opencontainers.image.source");
                Add(m.SourceRevisionId ?? "", "org.opencontainers.image.revision");
            }
        }

        foreach (var label in c.ContainerLabel)
        {
            labels.RemoveAll(l => l.Name == label.Name);
            labels.Add(label);
        }

        return labels;
    }

    private static string First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? "";
}
