using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Store;

namespace Containerize.Cli.Commands;

/// <summary>The image lifecycle as docker shows it: rmi, image inspect, history (images, tag and prune are in ImageCommands).</summary>
internal static class ImageLifecycleCommands
{
    public static IEnumerable<CliCommand> All => [new RmiCommand(), new ImageInspectCommand(), new HistoryCommand()];

    internal static readonly OptionSpec FilterOption = OptionSpec.Many("label=KEY[=VALUE], dangling=true|false or reference=PATTERN", "-f", "--filter");

    /// <summary>JSON as the docker CLI prints it: indented by 4 spaces, '&lt;' '&gt;' '&amp;' escaped as Go does.</summary>
    internal static string Json(JsonNode node, bool indented)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, IndentSize = 4, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            node.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()).Replace("<", "\\u003c", StringComparison.Ordinal).Replace(">", "\\u003e", StringComparison.Ordinal)
            .Replace("&", "\\u0026", StringComparison.Ordinal);
    }
}

internal sealed class RmiCommand : CliCommand
{
    public override string Name => "rmi";
    public override string Usage => "containerize rmi [-f] IMAGE... | --filter label=KEY[=VALUE] | --filter dangling=true [--store DIR] [--runtime-root DIR]";
    public override string Summary => "Remove images from the store by name, id or filter, as 'docker rmi' (their blobs go at the next prune).";
    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Flag("remove every tag of an image given by id, even in several repositories, or one a container still uses", "-f", "--force"),
        // docker rmi has no --filter (and its -f is --force): the issue asks for one, long form only.
        OptionSpec.Many("remove the images that match: label=KEY[=VALUE], dangling=true|false or reference=PATTERN", "--filter"),
        OptionSpec.Value("the runtime's state folder, whose containers keep their images (default: under the temp folder)", "--runtime-root"),
        ImageCommands.PlatformOption,
        ImageCommands.StoreOption,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var filters = args.GetAll("--filter");
        if (args.Positionals.Count == 0 && filters.Count == 0) throw CommandArgs.Bad("give at least one image, or --filter", Usage);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var remover = new ImageRemover(store) { Platform = ImageCommands.PlatformOf(args), UsedBy = ContainersUsing(args, context) };
        var failed = false;
        if (filters.Count > 0)
        {
            foreach (var line in await remover.RemoveMatchingAsync(filters, args.Has("--force"), cancellationToken).ConfigureAwait(false)) context.Out.WriteLine(line);
        }

        foreach (var image in args.Positionals)
        {
            try
            {
                foreach (var line in await remover.RemoveAsync(image, args.Has("--force"), cancellationToken).ConfigureAwait(false)) context.Out.WriteLine(line);
            }
            catch (ContainerizeException e)
            {
                // As docker rmi: every image is tried, each failure reported, and the exit code says one failed.
                context.Error.WriteLine(e.Diagnostic.ToDisplayString());
                failed = true;
            }
        }

        return failed ? 1 : 0;
    }

    /// <summary>The containers of `containerize run` (Linux only; none elsewhere), by the image id they were made from.</summary>
    private static Func<Core.Images.Oci.Digest, (string, bool)?> ContainersUsing(CommandArgs args, CliContext context)
    {
        if (!OperatingSystem.IsLinux()) return _ => null;
        var root = args.Get("--runtime-root") is { } r ? context.FullPath(r) : Core.Building.Plan.BuildRequest.DefaultRuntimeRoot;
        var containers = new Core.Runtime.Containers.ContainerManager(root).List();
        return id => containers.FirstOrDefault(c => c.Info.ImageId == id.ToString()) is { } c
            ? (c.Info.ShortId, c.Status == Core.Runtime.Containers.ContainerStatus.Running)
            : null;
    }
}

internal sealed class ImageInspectCommand : CliCommand
{
    public override string Name => "image inspect";
    public override string Usage => "containerize image inspect IMAGE... [--format '{{.Id}}'] [--store DIR]";
    public override string Summary => "Print images as 'docker image inspect' does: a JSON array, or a --format template per image.";
    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Value("print each image through a Go template: {{.Field}}, {{.A.B}}, {{json .A}}", "--format"),
        ImageCommands.PlatformOption,
        ImageCommands.StoreOption,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count == 0) throw CommandArgs.Bad("missing argument", Usage);
        var template = args.Get("--format") is { Length: > 0 } f && f != "json" ? GoTemplate.Parse(f) : null;
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var platform = ImageCommands.PlatformOf(args);
        var images = await StoredImages.ReadAsync(store, platform, cancellationToken).ConfigureAwait(false);
        var documents = new JsonArray();
        var failed = false;
        foreach (var argument in args.Positionals)
        {
            try
            {
                var document = await ImageInspection.InspectAsync(store, images.Find(argument).Image, platform, cancellationToken).ConfigureAwait(false);
                if (template is not null) context.Out.WriteLine(template.Render(document));
                else documents.Add((JsonNode)document);
            }
            catch (ContainerizeException e)
            {
                context.Error.WriteLine(e.Diagnostic.ToDisplayString());
                failed = true;
            }
        }

        // As docker: the array holds the images found, and a missing one makes the exit code 1.
        if (template is null) context.Out.WriteLine(ImageLifecycleCommands.Json(documents, indented: true));
        return failed ? 1 : 0;
    }
}

internal sealed class HistoryCommand : CliCommand
{
    public override string Name => "history";
    public override string Usage => "containerize history IMAGE [--no-trunc] [-q] [--format json|TEMPLATE] [-H=false] [--store DIR]";
    public override string Summary => "Show an image's history as 'docker history': one row per step, newest first, with the size of the layer it made.";
    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Flag("do not truncate CREATED BY or the image id", "--no-trunc"),
        OptionSpec.Flag("print only the image id (the top row's; <missing> below)", "-q", "--quiet"),
        OptionSpec.Value("json (one object per line), or a Go template over ID, CreatedSince, CreatedAt, CreatedBy, Size, Comment ('table ...' adds the header)", "--format"),
        OptionSpec.Value("print sizes and dates in human readable form (default true)", "-H", "--human"),
        ImageCommands.PlatformOption,
        ImageCommands.StoreOption,
    ];

    private static readonly Dictionary<string, string> Headers = new(StringComparer.Ordinal)
    {
        ["ID"] = "IMAGE", ["CreatedSince"] = "CREATED", ["CreatedAt"] = "CREATED AT", ["CreatedBy"] = "CREATED BY", ["Size"] = "SIZE", ["Comment"] = "COMMENT",
    };

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var argument = ImageCommands.Positional(args, 0, Usage);
        ImageCommands.NoMorePositionals(args, 1, Usage);
        var human = args.Get("--human") switch
        {
            null or "true" or "1" => true,
            "false" or "0" => false,
            var other => throw CommandArgs.Bad($"invalid --human '{other}'", Usage),
        };
        var truncate = !args.Has("--no-trunc");
        var format = args.Get("--format");
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var platform = ImageCommands.PlatformOf(args);
        var image = (await StoredImages.ReadAsync(store, platform, cancellationToken).ConfigureAwait(false)).Find(argument).Image;
        var rows = await ImageHistory.ReadAsync(store, image, platform, cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;

        string Id(HistoryRow r) => r.Id is not { } id ? "<missing>" : truncate ? id.ShortId : id.ToString();
        JsonObject Fields(HistoryRow r) => new()
        {
            ["Comment"] = r.Comment,
            ["CreatedAt"] = (r.Created ?? DateTimeOffset.UnixEpoch).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["CreatedBy"] = ImageHistory.CreatedByColumn(r.CreatedBy, truncate),
            // Docker's history prints N/A for a time at or before the epoch (its Created is Unix seconds, 0 unset).
            ["CreatedSince"] = !human ? (r.Created ?? DateTimeOffset.UnixEpoch).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
                : r.Created is { } since && since > DateTimeOffset.UnixEpoch ? HumanUnits.Ago(since, now) : "N/A",
            ["ID"] = Id(r),
            ["Size"] = human ? HumanUnits.Size(r.Size, precision: 3) : r.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        if (args.Has("--quiet"))
        {
            foreach (var r in rows) context.Out.WriteLine(Id(r));
            return 0;
        }

        if (format == "json")
        {
            foreach (var r in rows) context.Out.WriteLine(ImageLifecycleCommands.Json(Fields(r), indented: false));
            return 0;
        }

        if (format is { Length: > 0 } && format != "table")
        {
            var table = format.StartsWith("table", StringComparison.Ordinal);
            var template = GoTemplate.Parse(table ? format[5..].TrimStart() : format);
            if (table)
            {
                var header = template.Render(new JsonObject(Headers.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)))).Split('\t');
                var cells = rows.Select(r => template.Render(Fields(r)).Split('\t'))
                    .Select(c => (IReadOnlyList<string>)[.. c, .. Enumerable.Repeat("", Math.Max(0, header.Length - c.Length))]);
                DockerTable.Write(context.Out, header, cells);
            }
            else
            {
                foreach (var r in rows) context.Out.WriteLine(template.Render(Fields(r)));
            }

            return 0;
        }

        DockerTable.Write(context.Out, ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"],
            rows.Select(r => (IReadOnlyList<string>)[Id(r), Fields(r)["CreatedSince"]!.GetValue<string>(), ImageHistory.CreatedByColumn(r.CreatedBy, truncate),
                Fields(r)["Size"]!.GetValue<string>(), r.Comment]));
        return 0;
    }
}
