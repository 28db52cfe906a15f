using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Instructions;

/// <summary>
/// The <c>--flags</c> of one instruction, checked against the flags that instruction declares (BuildKit's BFlags):
/// unknown and repeated flags, missing values and bad booleans are errors.
/// </summary>
internal sealed class InstructionFlags(IReadOnlyList<string> args, string keyword, string? file, int line)
{
    private readonly Dictionary<string, FlagKind> _declared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    private enum FlagKind
    {
        Bool,
        String,
        Strings,
    }

    public InstructionFlags Bool(string name) => Declare(name, FlagKind.Bool);

    public InstructionFlags String(string name) => Declare(name, FlagKind.String);

    public InstructionFlags Strings(string name) => Declare(name, FlagKind.Strings);

    /// <summary>The flag names given, in declaration-independent order.</summary>
    public IReadOnlyList<string> Used => [.. _values.Keys];

    public bool IsUsed(string name) => _values.ContainsKey(name);

    public string? GetString(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;

    public IReadOnlyList<string> GetStrings(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public bool GetBool(string name) => GetString(name) == "true";

    public bool? GetOptionalBool(string name) => IsUsed(name) ? GetBool(name) : null;

    public InstructionFlags Parse()
    {
        foreach (var a in args)
        {
            if (a == "--") break;
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                throw Error(DockerfileErrors.BadFlagValue, $"arg should start with -- : {a}", "flags are written --name=value");
            }

            var eq = a.IndexOf('=');
            var flagName = eq < 0 ? a : a[..eq];
            var value = eq < 0 ? "" : a[(eq + 1)..];
            var name = flagName[2..];
            if (!_declared.TryGetValue(name, out var kind))
            {
                var known = _declared.Keys.Order(StringComparer.Ordinal).Select(k => "--" + k).ToList();
                throw Error(DockerfileErrors.UnknownFlag, $"unknown flag: {flagName}",
                    known.Count == 0 ? $"{keyword} takes no flags" : $"{keyword} accepts {string.Join(", ", known)}");
            }

            if (_values.ContainsKey(name) && kind != FlagKind.Strings)
            {
                throw Error(DockerfileErrors.DuplicateFlag, $"duplicate flag specified: {flagName}", "give the flag once");
            }

            switch (kind)
            {
                case FlagKind.Bool:
                    if (eq >= 0 && value.Length == 0) throw Error(DockerfileErrors.BadFlagValue, $"missing a value on flag: {flagName}", $"write {flagName} or {flagName}=true");
                    value = value.ToLowerInvariant() switch
                    {
                        "true" or "" => "true",
                        "false" => "false",
                        _ => throw Error(DockerfileErrors.BadFlagValue, $"expecting boolean value for flag {flagName}, not: {value}", "use true or false"),
                    };
                    break;
                default:
                    if (eq < 0) throw Error(DockerfileErrors.BadFlagValue, $"missing a value on flag: {flagName}", $"write {flagName}=VALUE");
                    break;
            }

            if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
            list.Add(value);
        }

        return this;
    }

    private InstructionFlags Declare(string name, FlagKind kind)
    {
        _declared[name] = kind;
        return this;
    }

    private ContainerizeException Error(string code, string message, string hint) => new(code, message, file, line, hint);
}
