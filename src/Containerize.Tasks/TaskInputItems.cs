using System.Collections;
using Containerize.Core.Host;
using Microsoft.Build.Framework;

namespace Containerize.Tasks;

/// <summary>
/// The targets' <c>_ContainerizeInput</c> items as Core's <see cref="TaskInputs"/>, unchanged: a value entry is
/// <c>Include="Name" ContainerizeValue="..."</c>, a list member carries <c>ContainerizeList="Name"</c> and its own
/// metadata. The netstandard2.0 task writes the same shape as JSON for the host.
/// </summary>
internal static class TaskInputItems
{
    public static TaskInputs From(string task, ITaskItem[] items)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lists = new Dictionary<string, List<TaskInputItem>>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var list = item.GetMetadata(TaskInputs.ListMetadata);
            if (list.Length == 0)
            {
                values[item.ItemSpec] = item.GetMetadata(TaskInputs.ValueMetadata);
                continue;
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry m in item.CloneCustomMetadata())
            {
                var name = (string)m.Key;
                if (name != TaskInputs.ListMetadata) metadata[name] = (string?)m.Value ?? "";
            }

            if (FullPath(item) is { } fullPath) metadata["FullPath"] = fullPath;
            if (!lists.TryGetValue(list, out var members)) lists[list] = members = [];
            members.Add(new TaskInputItem(item.ItemSpec, metadata));
        }

        return new TaskInputs
        {
            Task = task,
            Values = values,
            Lists = lists.ToDictionary(p => p.Key, p => (IReadOnlyList<TaskInputItem>)p.Value, StringComparer.Ordinal),
        };
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

    /// <summary>One value entry, "" when absent.</summary>
    public static string Value(ITaskItem[] items, string name) =>
        items.FirstOrDefault(i => i.ItemSpec == name && i.GetMetadata(TaskInputs.ListMetadata).Length == 0)?.GetMetadata(TaskInputs.ValueMetadata) ?? "";
}
