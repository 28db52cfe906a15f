using System.Globalization;
using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Parsing;

namespace Containerize.Core.Dockerfiles.Instructions;

/// <summary>
/// Turns AST nodes into typed instructions with BuildKit's validation (instructions/parse.go): argument counts,
/// per-instruction flags, JSON requirements, HEALTHCHECK options, RUN mounts.
/// </summary>
public static partial class InstructionParser
{
    public static readonly IReadOnlyList<string> Keywords =
    [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN",
        "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ];

    public static Instruction Parse(SyntaxNode node, string? file = null)
    {
        var req = new Request(node, file);
        Instruction result = node.Value.ToLowerInvariant() switch
        {
            "env" => new EnvInstruction(KeyValues(req, "ENV")),
            "maintainer" => ParseMaintainer(req),
            "label" => new LabelInstruction(KeyValues(req, "LABEL")),
            "add" => ParseAdd(req),
            "copy" => ParseCopy(req),
            "from" => ParseFrom(req),
            "onbuild" => ParseOnbuild(req),
            "workdir" => new WorkdirInstruction(ExactlyOne(req, "WORKDIR")),
            "run" => ParseRun(req),
            "cmd" => new CmdInstruction(CommandLineOf(req.NoFlags(), emptyAsNull: false)!),
            "entrypoint" => new EntrypointInstruction(CommandLineOf(req.NoFlags(), emptyAsNull: true)),
            "healthcheck" => ParseHealthcheck(req),
            "expose" => ParseExpose(req),
            "user" => new UserInstruction(ExactlyOne(req, "USER")),
            "volume" => ParseVolume(req),
            "stopsignal" => new StopSignalInstruction(ExactlyOne(req, "STOPSIGNAL")),
            "arg" => ParseArg(req),
            "shell" => ParseShell(req),
            _ => throw req.Error(DockerfileErrors.UnknownInstruction, $"unknown instruction: {node.Value}", Suggest(node.Value)),
        };
        return result with { StartLine = node.StartLine, EndLine = node.EndLine, Original = node.Original };
    }

    private static string Suggest(string keyword)
    {
        var upper = keyword.ToUpperInvariant();
        var best = Keywords.Select(k => (k, d: Distance(k, upper))).OrderBy(x => x.d).First();
        return best.d <= 2 ? $"did you mean {best.k}?" : "instructions are " + string.Join(", ", Keywords);
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }

    private static List<KeyValue> KeyValues(Request req, string keyword)
    {
        req.NoFlags();
        var args = req.Args;
        if (args.Count == 0) throw req.AtLeastOne(keyword);
        if (args.Count % 3 != 0) throw req.Error(DockerfileErrors.WrongArgumentCount, $"Bad input to {keyword}, too many arguments", $"write {keyword} name=value ...");
        var result = new List<KeyValue>();
        for (var i = 0; i < args.Count; i += 3)
        {
            if (args[i].Length == 0) throw req.Error(DockerfileErrors.BlankName, $"{keyword} names can not be blank", $"write {keyword} name=value");
            result.Add(new KeyValue(args[i], args[i + 1], args[i + 2].Length == 0));
        }

        return result;
    }

    private static MaintainerInstruction ParseMaintainer(Request req)
    {
        var value = ExactlyOne(req, "MAINTAINER");
        return new MaintainerInstruction(value);
    }

    private static string ExactlyOne(Request req, string keyword)
    {
        if (req.Args.Count != 1)
        {
            throw req.Error(req.Args.Count == 0 ? DockerfileErrors.MissingArguments : DockerfileErrors.WrongArgumentCount,
                $"{keyword} requires exactly one argument", $"write {keyword} VALUE");
        }

        req.NoFlags();
        return req.Args[0];
    }

    private static SourcesAndDest SourcesAndDestOf(Request req, string keyword)
    {
        var dest = req.Args[^1];
        if (HeredocWords.Parse(dest) is not null)
        {
            throw req.Error(DockerfileErrors.HeredocAsDestination, $"{keyword} cannot accept a heredoc as a destination", "the last argument is the destination path");
        }

        var byName = new Dictionary<string, Heredoc>(StringComparer.Ordinal);
        foreach (var h in req.Node.Heredocs) byName[h.Name] = h;
        var paths = new List<string>();
        var contents = new List<InlineFile>();
        foreach (var src in req.Args.Take(req.Args.Count - 1))
        {
            if (HeredocWords.Parse(src) is { } doc)
            {
                var content = byName.TryGetValue(doc.Name, out var h) ? h.Content : "";
                if (doc.Chomp) content = HeredocWords.ChompContent(content);
                contents.Add(new InlineFile(doc.Name, content, doc.Expand, doc.Chomp));
            }
            else
            {
                paths.Add(src);
            }
        }

        return new SourcesAndDest(paths, contents, dest);
    }

    private static AddInstruction ParseAdd(Request req)
    {
        if (req.Args.Count < 2) throw req.NoDestination("ADD");
        var f = req.Flags("ADD").String("chown").String("chmod").Bool("link").Bool("keep-git-dir").String("checksum").Bool("unpack").Strings("exclude").Parse();
        return new AddInstruction(SourcesAndDestOf(req, "ADD"), f.GetString("chown"), f.GetString("chmod"), f.GetString("checksum"),
            f.GetOptionalBool("keep-git-dir"), f.GetBool("link"), f.GetOptionalBool("unpack"), f.GetStrings("exclude"));
    }

    private static CopyInstruction ParseCopy(Request req)
    {
        if (req.Args.Count < 2) throw req.NoDestination("COPY");
        var f = req.Flags("COPY").String("chown").String("from").String("chmod").Bool("link").Strings("exclude").Bool("parents").Parse();
        return new CopyInstruction(SourcesAndDestOf(req, "COPY"), f.GetString("from"), f.GetString("chown"), f.GetString("chmod"),
            f.GetBool("link"), f.GetBool("parents"), f.GetStrings("exclude"));
    }

    private static FromInstruction ParseFrom(Request req)
    {
        var args = req.Args;
        string? name = null;
        if (args.Count == 3 && args[1].Equals("as", StringComparison.OrdinalIgnoreCase))
        {
            name = args[2].ToLowerInvariant();
            if (!StageNameRegex().IsMatch(name))
            {
                throw req.Error(DockerfileErrors.InvalidStageName, $"invalid name for build stage: {GoQuote.Quote(args[2])}, name can't start with a number or contain symbols",
                    "stage names match [a-z][a-z0-9-_.]*");
            }
        }
        else if (args.Count != 1)
        {
            throw req.Error(args.Count == 0 ? DockerfileErrors.MissingArguments : DockerfileErrors.WrongArgumentCount,
                "FROM requires either one or three arguments", "write FROM image [AS name]");
        }

        var f = req.Flags("FROM").String("platform").Parse();
        return new FromInstruction(args[0], name, f.GetString("platform"));
    }

    private static OnbuildInstruction ParseOnbuild(Request req)
    {
        if (req.Args.Count == 0) throw req.AtLeastOne("ONBUILD");
        req.NoFlags();
        var trigger = req.Args[0].Trim().ToUpperInvariant();
        switch (trigger)
        {
            case "ONBUILD":
                throw req.Error(DockerfileErrors.OnbuildTriggerNotAllowed, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", "give ONBUILD one other instruction");
            case "MAINTAINER" or "FROM":
                throw req.Error(DockerfileErrors.OnbuildTriggerNotAllowed, $"{trigger} isn't allowed as an ONBUILD trigger", "give ONBUILD one other instruction");
        }

        var expression = OnbuildPrefix().Replace(req.Node.Original, "");
        foreach (var h in req.Node.Heredocs) expression += "\n" + h.Content + h.Name;

        // The nested node has no heredocs of its own (they hang on the ONBUILD node), so give them to it for typing.
        var inner = req.Node.Next!.Children[0];
        var innerTyped = Parse(new SyntaxNode
        {
            Value = inner.Value,
            Next = inner.Next,
            Flags = inner.Flags,
            IsJson = inner.IsJson,
            Original = inner.Original,
            StartLine = req.Node.StartLine,
            EndLine = req.Node.EndLine,
        }.WithHeredocs(req.Node.Heredocs), req.File);
        return new OnbuildInstruction(expression, innerTyped);
    }

    private static RunInstruction ParseRun(Request req)
    {
        var f = req.Flags("RUN").Strings("mount").String("network").String("security").Parse();
        var mounts = f.GetStrings("mount").Select(m => RunMount.Parse(m, null, req.File, req.Node.StartLine)).ToList();
        var network = f.GetString("network") ?? "default";
        if (network is not ("default" or "none" or "host"))
        {
            throw req.Error(DockerfileErrors.InvalidRunOption, $"unsupported network mode \"{network}\"", "use --network=default, none or host");
        }

        var security = f.GetString("security") ?? "sandbox";
        if (security is not ("sandbox" or "insecure"))
        {
            throw req.Error(DockerfileErrors.InvalidRunOption, $"unsupported security mode \"{security}\"", "use --security=sandbox or insecure");
        }

        return new RunInstruction(CommandLineOf(req, emptyAsNull: false)!, mounts, network, security) { FlagsUsed = f.Used, MountSpecs = f.GetStrings("mount") };
    }

    private static CommandLine? CommandLineOf(Request req, bool emptyAsNull)
    {
        var files = req.Node.Heredocs.Select(h => new InlineFile(h.Name, h.Content, h.Expand, h.Chomp)).ToList();
        var args = JsonArgs(req);
        if (emptyAsNull && args.Count == 0) return null;
        return new CommandLine(args, !req.Node.IsJson, files);
    }

    /// <summary>Shell form is one argument already; exec form keeps its elements.</summary>
    private static List<string> JsonArgs(Request req) => [.. req.Args];

    private static HealthcheckInstruction ParseHealthcheck(Request req)
    {
        if (req.Args.Count == 0) throw req.AtLeastOne("HEALTHCHECK");
        var type = req.Args[0].ToUpperInvariant();
        var rest = req.Args.Skip(1).ToList();
        if (type == "NONE")
        {
            if (rest.Count != 0) throw req.Error(DockerfileErrors.InvalidHealthcheck, "HEALTHCHECK NONE takes no arguments", "write HEALTHCHECK NONE");
            return new HealthcheckInstruction(["NONE"], TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, 0);
        }

        var f = req.Flags("HEALTHCHECK").String("interval").String("timeout").String("start-period").String("start-interval").String("retries").Parse();
        if (type != "CMD")
        {
            throw req.Error(DockerfileErrors.InvalidHealthcheck, $"Unknown type \"{req.Args[0]}\" in HEALTHCHECK (try CMD)", "write HEALTHCHECK [OPTIONS] CMD command");
        }

        if (rest.Count == 0) throw req.Error(DockerfileErrors.InvalidHealthcheck, "Missing command after HEALTHCHECK CMD", "write HEALTHCHECK CMD command");
        List<string> test = [req.Node.IsJson ? "CMD" : "CMD-SHELL", .. rest];

        TimeSpan Interval(string name)
        {
            var v = f.GetString(name);
            if (string.IsNullOrEmpty(v)) return TimeSpan.Zero;
            if (!GoDuration.TryParseNanoseconds(v, out var ns))
            {
                throw req.Error(DockerfileErrors.InvalidHealthcheck, $"time: invalid duration \"{v}\" for --{name}", "durations look like 30s, 1m30s or 500ms");
            }

            var d = TimeSpan.FromTicks(ns / 100);
            if (ns != 0 && ns < 1_000_000)
            {
                throw req.Error(DockerfileErrors.InvalidHealthcheck, $"Interval \"{name}\" cannot be less than 1ms", "use at least 1ms, or 0 for the default");
            }

            return d;
        }

        var retries = 0;
        if (f.GetString("retries") is { Length: > 0 } r)
        {
            if (!int.TryParse(r, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out retries))
            {
                throw req.Error(DockerfileErrors.InvalidHealthcheck, $"strconv.ParseInt: parsing \"{r}\": invalid syntax", "--retries takes a whole number");
            }

            if (retries < 0) throw req.Error(DockerfileErrors.InvalidHealthcheck, $"--retries cannot be negative ({retries})", "--retries takes a whole number");
        }

        return new HealthcheckInstruction(test, Interval("interval"), Interval("timeout"), Interval("start-period"), Interval("start-interval"), retries);
    }

    private static ExposeInstruction ParseExpose(Request req)
    {
        if (req.Args.Count == 0) throw req.AtLeastOne("EXPOSE");
        req.NoFlags();
        return new ExposeInstruction([.. req.Args.Order(StringComparer.Ordinal)]);
    }

    private static VolumeInstruction ParseVolume(Request req)
    {
        if (req.Args.Count == 0) throw req.AtLeastOne("VOLUME");
        req.NoFlags();
        var volumes = new List<string>();
        foreach (var v in req.Args)
        {
            var t = v.Trim();
            if (t.Length == 0) throw req.Error(DockerfileErrors.EmptyVolume, "VOLUME specified can not be an empty string", "give VOLUME a path");
            volumes.Add(t);
        }

        return new VolumeInstruction(volumes);
    }

    private static ArgInstruction ParseArg(Request req)
    {
        if (req.Args.Count == 0) throw req.AtLeastOne("ARG");
        req.NoFlags();
        var result = new List<ArgDefinition>();
        foreach (var a in req.Args)
        {
            var eq = a.IndexOf('=');
            if (eq == 0) throw req.Error(DockerfileErrors.BlankName, "ARG names can not be blank", "write ARG name[=default]");
            result.Add(eq < 0 ? new ArgDefinition(a, null) : new ArgDefinition(a[..eq], a[(eq + 1)..]));
        }

        return new ArgInstruction(result);
    }

    private static ShellInstruction ParseShell(Request req)
    {
        req.NoFlags();
        if (req.Args.Count == 0) throw req.AtLeastOne("SHELL");
        if (!req.Node.IsJson)
        {
            throw req.Error(DockerfileErrors.ShellNotJson, "SHELL requires the arguments to be in JSON form", "write SHELL [\"executable\", \"parameters\"]");
        }

        return new ShellInstruction([.. req.Args]);
    }

    [GeneratedRegex("^[a-z][a-z0-9-_.]*$")]
    private static partial Regex StageNameRegex();

    [GeneratedRegex(@"(?i)^\s*ONBUILD\s*")]
    private static partial Regex OnbuildPrefix();

    private sealed class Request(SyntaxNode node, string? file)
    {
        public SyntaxNode Node => node;

        public string? File => file;

        public IReadOnlyList<string> Args { get; } = node.Arguments;

        public InstructionFlags Flags(string keyword) => new(node.Flags, keyword, file, node.StartLine);

        /// <summary>For instructions that declare no flags: any flag is an unknown one.</summary>
        public Request NoFlags()
        {
            Flags(node.Value.ToUpperInvariant()).Parse();
            return this;
        }

        public ContainerizeException Error(string code, string message, string? hint = null) => new(code, message, file, node.StartLine, hint);

        public ContainerizeException AtLeastOne(string keyword) =>
            Error(DockerfileErrors.MissingArguments, $"{keyword} requires at least one argument", $"see the {keyword} syntax in the Dockerfile reference");

        public ContainerizeException NoDestination(string keyword) =>
            Error(DockerfileErrors.MissingArguments, $"{keyword} requires at least two arguments, but only one was provided. Destination could not be determined",
                $"write {keyword} SOURCE... DEST");
    }
}
