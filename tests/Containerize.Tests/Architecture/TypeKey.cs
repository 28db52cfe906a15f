namespace Containerize.Tests.Architecture;

/// <summary>
/// A top-level type by namespace and name, generic arity dropped (<c>List`1</c> is <c>List</c>): nested and
/// compiler-generated types (closures, state machines) are keyed by the type that encloses them.
/// </summary>
internal readonly record struct TypeKey(string Namespace, string Name)
{
    public static TypeKey Of(string @namespace, string name)
    {
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return new TypeKey(@namespace, tick < 0 ? name : name[..tick]);
    }

    public bool IsUnder(string @namespace) =>
        Namespace == @namespace || Namespace.StartsWith(@namespace + ".", StringComparison.Ordinal);

    /// <summary>The first namespace segment below <paramref name="root"/> (the folder), or "" for a type in the root itself.</summary>
    public string FolderUnder(string root) => Namespace.Length > root.Length ? Namespace[(root.Length + 1)..].Split('.')[0] : "";

    /// <summary><c>Images/Transfer/FileRangeCopy</c>: where the source lives, as a path under the root.</summary>
    public string PathUnder(string root) => string.Join('/', RelativeParts(root).Append(Name));

    /// <summary><c>Runtime.Native.LibC</c>: the type used, as a name under the root.</summary>
    public string NameUnder(string root) => string.Join('.', RelativeParts(root).Append(Name));

    public override string ToString() => Namespace.Length == 0 ? Name : Namespace + "." + Name;

    private IEnumerable<string> RelativeParts(string root) =>
        Namespace.Length > root.Length ? Namespace[(root.Length + 1)..].Split('.') : [];
}
