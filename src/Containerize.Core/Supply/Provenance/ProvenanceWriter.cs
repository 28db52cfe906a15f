using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Containerize.Core.Supply.Provenance;

/// <summary>
/// An in-toto Statement v1 (in-toto.io/Statement/v1) with a SLSA Provenance v1 predicate (slsa.dev/provenance/v1):
/// the subject is the image manifest; the build definition says what was built (project, RID, Dockerfile digest,
/// build arguments, the source) and from what (base images by digest, the source revision); the run details name the
/// builder and its versions. No invocation id or start time: the same build gives the same statement.
/// </summary>
public static class ProvenanceWriter
{
    public const string MediaType = "application/vnd.in-toto+json";
    public const string StatementType = "https://in-toto.io/Statement/v1";
    public const string PredicateType = "https://slsa.dev/provenance/v1";
    public const string BuildType = "https://containerize.dev/provenance/dotnet-publish/v1";
    public const string BuilderId = "https://containerize.dev/builder/local/v1";

    public static byte[] Write(ProvenanceInputs p)
    {
        var source = SecretNames.PublicUrl(p.RepositoryUrl);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("_type", StatementType);
            w.WriteStartArray("subject");
            w.WriteStartObject();
            w.WriteString("name", p.ImageName);
            DigestSet(w, "digest", p.ManifestDigest);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("predicateType", PredicateType);
            w.WriteStartObject("predicate");

            w.WriteStartObject("buildDefinition");
            w.WriteString("buildType", BuildType);
            w.WriteStartObject("externalParameters");
            if (p.Project is { } project) w.WriteString("project", project);
            if (p.RuntimeIdentifier is { } rid) w.WriteString("runtimeIdentifier", rid);
            if (p.Target is { } target) w.WriteString("target", target);
            if (p.DockerfileDigest is { } dockerfile)
            {
                w.WriteStartObject("dockerfile");
                DigestSet(w, "digest", dockerfile);
                w.WriteEndObject();
            }

            var args = p.BuildArgs.Where(a => !SecretNames.LooksSecret(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
            if (args.Count > 0)
            {
                w.WriteStartObject("buildArgs");
                foreach (var (k, v) in args) w.WriteString(k, v);
                w.WriteEndObject();
            }

            if (source is not null)
            {
                w.WriteStartObject("source");
                w.WriteString("uri", "git+" + source);
                if (p.Revision is { } rev) w.WriteString("revision", rev);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteStartObject("internalParameters");
            w.WriteString("containerizeVersion", p.ToolVersion);
            if (p.SdkVersion is { } sdk) w.WriteString("dotnetSdkVersion", sdk);
            w.WriteEndObject();
            w.WriteStartArray("resolvedDependencies");
            foreach (var b in p.Bases.OrderBy(b => b.Name, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("uri", "pkg:docker/" + b.Name);
                DigestSet(w, "digest", b.Digest);
                w.WriteEndObject();
            }

            if (source is not null && p.Revision is { } revision)
            {
                w.WriteStartObject();
                w.WriteString("uri", "git+" + source);
                w.WriteStartObject("digest");
                w.WriteString("gitCommit", revision);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();

            w.WriteStartObject("runDetails");
            w.WriteStartObject("builder");
            w.WriteString("id", BuilderId);
            w.WriteStartObject("version");
            w.WriteString("containerize", p.ToolVersion);
            if (p.SdkVersion is { } s) w.WriteString("dotnet-sdk", s);
            w.WriteEndObject();
            w.WriteEndObject();
            if (p.BuildDate is { } date)
            {
                w.WriteStartObject("metadata");
                w.WriteString("finishedOn", date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    // {"sha256": "<hex>"} from "sha256:<hex>".
    private static void DigestSet(Utf8JsonWriter w, string name, string digest)
    {
        var colon = digest.IndexOf(':');
        w.WriteStartObject(name);
        w.WriteString(colon > 0 ? digest[..colon] : "sha256", colon > 0 ? digest[(colon + 1)..] : digest);
        w.WriteEndObject();
    }
}
