using System.Text.Json.Nodes;
using Containerize.Tests.Infrastructure;
using Json.Schema;

namespace Containerize.Tests.Supply;

/// <summary>
/// The specifications' own JSON schemas (../shared/specs: SPDX 2.3, CycloneDX 1.6 with the SPDX license list and JSF
/// it references), evaluated by JsonSchema.Net, an implementation that is not ours, with formats checked.
/// </summary>
internal static class SpecSchemas
{
    private static readonly Lazy<(JsonSchema Spdx, JsonSchema CycloneDx, EvaluationOptions Options)> Loaded = new(Load);

    public static void AssertValidSpdx(byte[] document) => AssertValid(Loaded.Value.Spdx, document, "SPDX 2.3");

    public static void AssertValidCycloneDx(byte[] document) => AssertValid(Loaded.Value.CycloneDx, document, "CycloneDX 1.6");

    private static (JsonSchema, JsonSchema, EvaluationOptions) Load()
    {
        var specs = Path.Combine(RepoPaths.Shared, "specs");
        if (!Directory.Exists(specs)) Requirements.Missing($"the specification schemas are not at {specs} (../shared/specs beside the clone)");
        var options = new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
        var spdx = JsonSchema.FromFile(Path.Combine(specs, "spdx-2.3", "spdx-schema.json"));
        foreach (var f in new[] { "spdx.schema.json", "jsf-0.82.schema.json" })
        {
            options.SchemaRegistry.Register(JsonSchema.FromFile(Path.Combine(specs, "cyclonedx-1.6", f)));
        }

        var cdx = JsonSchema.FromFile(Path.Combine(specs, "cyclonedx-1.6", "bom-1.6.schema.json"));
        options.SchemaRegistry.Register(cdx);
        return (spdx, cdx, options);
    }

    private static void AssertValid(JsonSchema schema, byte[] document, string what)
    {
        var node = JsonNode.Parse(document);
        var result = schema.Evaluate(node, Loaded.Value.Options);
        if (result.IsValid) return;
        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")).Take(20);
        Assert.Fail($"not valid {what}:\n{string.Join('\n', errors)}");
    }
}
