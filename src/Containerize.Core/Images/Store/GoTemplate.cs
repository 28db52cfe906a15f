using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Images.Store;

/// <summary>
/// The part of Go's text/template that <c>docker ... --format</c> is mostly used with: literal text, <c>{{.Field}}</c>
/// and <c>{{.A.B}}</c> paths, <c>{{json .A}}</c> and <c>{{json .}}</c>, printed as Go prints them (a list as
/// <c>[a b]</c>, a map as <c>map[k:v]</c>, null as <c>&lt;nil&gt;</c>); <c>\t</c> and <c>\n</c> written as the docker CLI
/// replaces them. Anything else (pipelines, functions, range, if) is a coded error rather than a wrong answer.
/// </summary>
public sealed partial class GoTemplate
{
    private readonly IReadOnlyList<(string Text, string? Action)> _parts;

    private GoTemplate(IReadOnlyList<(string, string?)> parts, IReadOnlyList<string> fields) => (_parts, Fields) = (parts, fields);

    /// <summary>The top-level field of each action, in order (for a table header).</summary>
    public IReadOnlyList<string> Fields { get; }

    public static GoTemplate Parse(string format)
    {
        var text = format.Replace(@"\t", "\t", StringComparison.Ordinal).Replace(@"\n", "\n", StringComparison.Ordinal);
        var parts = new List<(string, string?)>();
        var fields = new List<string>();
        var at = 0;
        foreach (Match m in Action().Matches(text))
        {
            var action = m.Groups[1].Value.Trim();
            if (!ActionForm().IsMatch(action))
            {
                throw new ContainerizeException(StoreErrors.BadFormat, $"unsupported --format action '{{{{{action}}}}}'",
                    hint: "use {{.Field}}, {{.Field.Sub}}, {{json .Field}} or {{json .}}; other Go template forms are not supported");
            }

            parts.Add((text[at..m.Index], action));
            var path = action.StartsWith("json", StringComparison.Ordinal) ? action[4..].Trim() : action;
            if (path.Length > 1) fields.Add(path[1..].Split('.')[0]);
            at = m.Index + m.Length;
        }

        var rest = text[at..];
        if (rest.Contains("{{", StringComparison.Ordinal))
        {
            throw new ContainerizeException(StoreErrors.BadFormat, $"unbalanced braces in --format '{format}'", hint: "write actions as {{.Field}}");
        }

        parts.Add((rest, null));
        return new GoTemplate(parts, fields);
    }

    public string Render(JsonNode? value)
    {
        var output = new StringBuilder();
        foreach (var (text, action) in _parts)
        {
            output.Append(text);
            if (action is null) continue;
            var json = action.StartsWith("json", StringComparison.Ordinal);
            var path = json ? action[4..].Trim() : action;
            var node = Lookup(value, path);
            output.Append(json ? (node?.ToJsonString(GoJson) ?? "null") : GoPrint(node));
        }

        return output.ToString();
    }

    /// <summary>docker's `json` template function: Go's encoder with SetEscapeHTML(false): `"` as \", `<` and non-ASCII as they are.</summary>
    private static readonly JsonSerializerOptions GoJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonNode? Lookup(JsonNode? root, string path)
    {
        var node = root;
        foreach (var name in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(name, out var next))
            {
                throw new ContainerizeException(StoreErrors.BadFormat, $"--format: can't evaluate field {name} in {path}",
                    hint: "the fields are those of the JSON output (--format json, or image inspect without --format)");
            }

            node = next;
        }

        return node;
    }

    private static string GoPrint(JsonNode? node) => node switch
    {
        null => "<nil>",
        JsonArray a => "[" + string.Join(' ', a.Select(GoPrint)) + "]",
        JsonObject o => "map[" + string.Join(' ', o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + GoPrint(kv.Value))) + "]",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.TryGetValue<long>(out var l) ? l.ToString(CultureInfo.InvariantCulture) : v.ToJsonString(),
        _ => node.ToJsonString(),
    };

    [GeneratedRegex(@"\{\{(.*?)\}\}", RegexOptions.Singleline)]
    private static partial Regex Action();

    [GeneratedRegex(@"^(json\s+)?\.([A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?$")]
    private static partial Regex ActionForm();
}
