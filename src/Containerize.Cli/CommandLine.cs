using Containerize.Core.Diagnostics;

namespace Containerize.Cli;

/// <summary>An option a command accepts. Names include the dashes: "-f", "--file".</summary>
internal sealed record OptionSpec(string[] Names, bool TakesValue = true, bool Repeatable = false, string? Help = null)
{
    public string Key => Names[^1];

    public static OptionSpec Value(string help, params string[] names) => new(names, true, false, help);

    public static OptionSpec Many(string help, params string[] names) => new(names, true, true, help);

    public static OptionSpec Flag(string help, params string[] names) => new(names, false, false, help);
}

/// <summary>Parsed arguments of one command: options by their long name, then positionals.</summary>
internal sealed class CommandArgs
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    public string? Get(string key) => _values.TryGetValue(key, out var v) ? v[^1] : null;

    public IReadOnlyList<string> GetAll(string key) => _values.TryGetValue(key, out var v) ? v : [];

    public bool Has(string key) => _values.ContainsKey(key);

    public static CommandArgs Parse(IReadOnlyList<string> argv, IReadOnlyList<OptionSpec> specs, string usage, bool optionsEndAtFirstOperand = false)
    {
        var result = new CommandArgs();
        var endOfOptions = false;
        for (var i = 0; i < argv.Count; i++)
        {
            var arg = argv[i];
            if (endOfOptions || arg.Length < 2 || arg[0] != '-')
            {
                result.Positionals.Add(arg);
                endOfOptions |= optionsEndAtFirstOperand;
                continue;
            }

            if (arg == "--")
            {
                endOfOptions = true;
                continue;
            }

            string name = arg;
            string? inlineValue = null;
            var eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                name = arg[..eq];
                inlineValue = arg[(eq + 1)..];
            }

            var spec = specs.FirstOrDefault(s => s.Names.Contains(name, StringComparer.Ordinal))
                ?? throw Bad($"unknown option '{name}'", usage);
            string value;
            if (!spec.TakesValue)
            {
                if (inlineValue is not null) throw Bad($"option '{name}' takes no value", usage);
                value = "true";
            }
            else if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < argv.Count)
            {
                value = argv[++i];
            }
            else
            {
                throw Bad($"option '{name}' needs a value", usage);
            }

            if (!result._values.TryGetValue(spec.Key, out var list))
            {
                result._values[spec.Key] = list = [];
            }
            else if (!spec.Repeatable)
            {
                throw Bad($"option '{name}' given more than once", usage);
            }

            list.Add(value);
        }

        return result;
    }

    /// <summary>Splits <c>K=V</c> option values, as <c>--build-arg</c> and <c>-e</c> take them.</summary>
    public static KeyValuePair<string, string?> SplitKeyValue(string text)
    {
        var eq = text.IndexOf('=');
        return eq < 0 ? new(text, null) : new(text[..eq], text[(eq + 1)..]);
    }

    public static ContainerizeException Bad(string message, string usage) =>
        new(GeneralErrors.BadArguments, message, hint: $"usage: {usage}");
}
