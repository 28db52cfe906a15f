using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Containerize.Core.Diagnostics;

/// <summary>
/// Diagnostics as lines of JSON, one object per line: how the native publish host tells the MSBuild task what to log.
/// A coded diagnostic keeps its code, file, line and hint across the process boundary.
/// </summary>
public static class DiagnosticLines
{
    /// <summary>The first line the host writes: a task that reads another protocol version runs the publish itself.</summary>
    public const int ProtocolVersion = 1;

    public static string Hello() => Write(w =>
    {
        w.WriteString("kind", "hello");
        w.WriteNumber("protocol", ProtocolVersion);
    });

    public static string Report(Diagnostic d) => Write(w =>
    {
        w.WriteString("kind", "report");
        w.WriteString("code", d.Code);
        w.WriteString("severity", d.Severity.ToString());
        w.WriteString("message", d.Message);
        if (d.File is not null) w.WriteString("file", d.File);
        if (d.Line is { } line) w.WriteNumber("line", line);
        if (d.Hint is not null) w.WriteString("hint", d.Hint);
    });

    public static string Message(string kind, string message) => Write(w =>
    {
        w.WriteString("kind", kind);
        w.WriteString("message", message);
    });

    /// <summary>Replays one line into <paramref name="sink"/>. False for a line that is not of the protocol.</summary>
    public static bool TryReplay(string line, IDiagnosticSink sink, out int? helloProtocol)
    {
        helloProtocol = null;
        if (!line.StartsWith('{')) return false;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            switch (Text(root, "kind"))
            {
                case "hello":
                    helloProtocol = root.TryGetProperty("protocol", out var p) && p.TryGetInt32(out var v) ? v : 0;
                    return true;
                case "report":
                    sink.Report(new Diagnostic(
                        Text(root, "code") ?? GeneralErrors.Unexpected,
                        Enum.TryParse<Severity>(Text(root, "severity"), out var severity) ? severity : Severity.Error,
                        Text(root, "message") ?? "",
                        Text(root, "file"),
                        root.TryGetProperty("line", out var l) && l.TryGetInt32(out var number) ? number : null,
                        Text(root, "hint")));
                    return true;
                case "info":
                    sink.Info(Text(root, "message") ?? "");
                    return true;
                case "detail":
                    sink.Detail(Text(root, "message") ?? "");
                    return true;
                default:
                    return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        // Utf8JsonWriter escapes line breaks inside strings: one object is always one line.
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>The native publish host's sink: every diagnostic and message as one protocol line on its output.</summary>
public sealed class JsonLinesSink(TextWriter output) : IDiagnosticSink
{
    private readonly Lock _lock = new();

    public void Hello() => WriteLine(DiagnosticLines.Hello());

    public void Report(Diagnostic diagnostic) => WriteLine(DiagnosticLines.Report(diagnostic));

    public void Info(string message) => WriteLine(DiagnosticLines.Message("info", message));

    public void Detail(string message) => WriteLine(DiagnosticLines.Message("detail", message));

    // Flushed per line: the build log shows progress as it happens, and a killed host loses nothing it wrote.
    private void WriteLine(string line)
    {
        lock (_lock)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
