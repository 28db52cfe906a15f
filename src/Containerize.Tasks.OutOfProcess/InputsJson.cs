using System;
using System.Collections;
using System.Collections.Generic;
using System.Text;
using Microsoft.Build.Framework;

namespace Containerize.Tasks.OutOfProcess;

/// <summary>
/// The targets' input items as the JSON of Core's <c>TaskInputs</c> (Task, Values, Lists of Spec and Metadata): the
/// same shape the net10.0 task builds in memory, so the host maps them with the same code. No mapping happens here.
/// </summary>
internal static class InputsJson
{
    private const string ValueMetadata = "ContainerizeValue";
    private const string ListMetadata = "ContainerizeList";

    public static byte[] ToUtf8(string task, ITaskItem[] items)
    {
        var values = new List<KeyValuePair<string, string>>();
        var lists = new Dictionary<string, List<ITaskItem>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var item in items)
        {
            var list = item.GetMetadata(ListMetadata);
            if (list.Length == 0)
            {
                values.Add(new KeyValuePair<string, string>(item.ItemSpec, item.GetMetadata(ValueMetadata)));
                continue;
            }

            if (!lists.TryGetValue(list, out var members))
            {
                lists[list] = members = new List<ITaskItem>();
                order.Add(list);
            }

            members.Add(item);
        }

        var json = new StringBuilder(16 * 1024);
        json.Append("{\"Task\":").Append(Quote(task)).Append(",\"Values\":{");
        var first = true;
        foreach (var v in values)
        {
            if (!first) json.Append(',');
            first = false;
            json.Append(Quote(v.Key)).Append(':').Append(Quote(v.Value));
        }

        json.Append("},\"Lists\":{");
        first = true;
        foreach (var name in order)
        {
            if (!first) json.Append(',');
            first = false;
            json.Append(Quote(name)).Append(":[");
            var firstItem = true;
            foreach (var item in lists[name])
            {
                if (!firstItem) json.Append(',');
                firstItem = false;
                Item(json, item);
            }

            json.Append(']');
        }

        json.Append("}}");
        return new UTF8Encoding(false).GetBytes(json.ToString());
    }

    private static void Item(StringBuilder json, ITaskItem item)
    {
        json.Append("{\"Spec\":").Append(Quote(item.ItemSpec)).Append(",\"Metadata\":{");
        var first = true;
        foreach (DictionaryEntry m in item.CloneCustomMetadata())
        {
            var name = (string)m.Key;
            if (name == ListMetadata) continue;
            if (!first) json.Append(',');
            first = false;
            json.Append(Quote(name)).Append(':').Append(Quote((string?)m.Value ?? ""));
        }

        if (FullPath(item) is { } fullPath)
        {
            if (!first) json.Append(',');
            json.Append("\"FullPath\":").Append(Quote(fullPath));
        }

        json.Append("}}");
    }

    // Only path lists need it, and an item of another list (an argument such as "--urls=http://*:80") may not be a path
    // MSBuild can make full on Windows.
    private static string? FullPath(ITaskItem item)
    {
        try
        {
            return item.GetMetadata("FullPath");
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    internal static string Quote(string s)
    {
        var b = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                default:
                    if (c < 0x20) b.Append("\\u").Append(((int)c).ToString("x4"));
                    else b.Append(c);
                    break;
            }
        }

        return b.Append('"').ToString();
    }
}
