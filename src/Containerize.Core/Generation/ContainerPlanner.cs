using System.Globalization;
using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Generation;

/// <summary>
/// Validates a <see cref="ProjectModel"/> and resolves it into a <see cref="ContainerPlan"/> with the .NET SDK's
/// defaults: repository from AssemblyName, tag <c>latest</c>, working directory <c>/app/</c>, the user and ports the
/// base image's environment implies, the SDK's generated labels and its ENTRYPOINT/CMD rules.
/// </summary>
public static partial class ContainerPlanner
{
    /// <summary>Resolves the plan, or throws the first coded error. <paramref name="now"/> dates the created label when no SOURCE_DATE_EPOCH is set.</summary>
    public static ContainerPlan Plan(ProjectModel model, DateTimeOffset now)
    {
        var (plan, errors) = TryPlan(model, now);
        if (plan is null) throw new ContainerizeException(errors[0]);
        return plan;
    }

    /// <summary>Every validation error of the model (empty when it is valid), so that a task can log them all at once.</summary>
    public static IReadOnlyList<Diagnostic> Validate(ProjectModel model) => TryPlan(model, DateTimeOffset.UnixEpoch).Errors;

    /// <param name="baseFacts">
    /// The resolved base (<see cref="BaseImageProbe"/>): the Dockerfile pins its digest, and the user and ports come from
    /// its environment as the SDK reads them (APP_UID, ASPNETCORE_*), whatever the base is called. Without it (a plan
    /// before resolving, or a base that could not be resolved) they are inferred from the base's name.
    /// </param>
    public static (ContainerPlan? Plan, IReadOnlyList<Diagnostic> Errors) TryPlan(ProjectModel model, DateTimeOffset now, BaseImageFacts? baseFacts = null)
    {
        var errors = new List<Diagnostic>();
        var file = model.ProjectPath;
        var c = model.Container;

        T? Check<T>(Func<T> step)
        {
            try
            {
                return step();
            }
            catch (ContainerizeException e)
            {
                errors.Add(e.Diagnostic with { File = e.Diagnostic.File ?? file });
                return default;
            }
        }

        if (string.IsNullOrWhiteSpace(model.TargetFramework) && model.TargetFrameworks.Count > 0)
        {
            errors.Add(Error(GenerationErrors.MultiTargeted,
                $"the project targets several frameworks ({string.Join(";", model.TargetFrameworks)}) and a container needs one", file,
                "pass -f <framework> (dotnet publish -f net10.0) or set TargetFramework"));
        }

        if (!model.IsPublishable || string.Equals(model.OutputType, "Library", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(Error(GenerationErrors.NotPublishable, $"the project is not a publishable application (OutputType={model.OutputType}, IsPublishable={model.IsPublishable})", file,
                "containerize an Exe project (a console, web or worker app), not a library"));
        }

        var repository = Check(() => Naming.NormalizeRepository(NonEmpty(c.ContainerRepository) ?? model.AssemblyName, file));
        var tags = Check(() => Naming.Tags(c.ContainerImageTag, c.ContainerImageTags, file)) ?? [];
        var registry = NonEmpty(c.ContainerRegistry);
        if (registry is not null) Check(() => Naming.ValidateRegistry(registry, "ContainerRegistry", GenerationErrors.InvalidRegistry, file));
        var mirror = NonEmpty(c.ContainerBaseImageMirror);
        if (mirror is not null) Check(() => Naming.ValidateRegistry(mirror, "ContainerBaseImageMirror", GenerationErrors.InvalidMirror, file));

        var workdir = NonEmpty(c.ContainerWorkingDirectory) ?? "/app/";
        if (!workdir.StartsWith('/'))
        {
            errors.Add(Error(GenerationErrors.InvalidWorkingDirectory, $"ContainerWorkingDirectory '{workdir}' is not an absolute path", file,
                "write an absolute Linux path such as /app/"));
        }

        var explicitPorts = Check(() => ParsePorts(c.ContainerPort, file)) ?? [];
        foreach (var env in c.ContainerEnvironmentVariable.Where(e => !EnvNameRegex().IsMatch(e.Name)))
        {
            errors.Add(Error(GenerationErrors.InvalidEnvironmentVariable, $"'{env.Name}' is not a valid environment variable name", file,
                "a name starts with a letter or '_' and has only letters, digits and '_'"));
        }

        foreach (var arg in c.ContainerBuildArg.Where(a => !EnvNameRegex().IsMatch(a.Name)))
        {
            errors.Add(Error(GenerationErrors.InvalidBuildArg, $"'{arg.Name}' is not a valid build argument name", file,
                "a name starts with a letter or '_' and has only letters, digits and '_'"));
        }

        foreach (var label in c.ContainerLabel.Where(l => string.IsNullOrWhiteSpace(l.Name) || l.Name.Any(char.IsControl)))
        {
            errors.Add(Error(GenerationErrors.InvalidLabel, $"the label name '{label.Name}' is empty or has control characters", file,
                "give each ContainerLabel item a name, e.g. <ContainerLabel Include=\"com.example.team\" Value=\"web\" />"));
        }

        long? epoch = null;
        if (NonEmpty(c.ContainerSourceDateEpoch) is { } epochText)
        {
            if (long.TryParse(epochText, NumberStyles.None, CultureInfo.InvariantCulture, out var e) && e <= 253402300799) epoch = e;
            else
            {
                errors.Add(Error(GenerationErrors.InvalidSourceDateEpoch, $"ContainerSourceDateEpoch '{epochText}' is not a number of seconds since 1970", file,
                    "use e.g. $(SOURCE_DATE_EPOCH) or the commit time: git log -1 --format=%ct"));
            }
        }

        var baseImage = Check(() => BaseImageInference.Infer(model));
        var rid = Check(() => ContainerRid(model, file));
        var platform = rid?.Platform;
        if (rid is not null && platform is null) errors.Add(RuntimeIdentifierInfo.Unsupported(rid.Rid, file).Diagnostic);
        if (rid is not null && c.ContainerBuildMode == ContainerBuildMode.Container)
        {
            var host = NonEmpty(model.SdkRuntimeIdentifier) is { } sdkRid ? RuntimeIdentifierInfo.Parse(sdkRid).Architecture : RuntimeIdentifierInfo.HostArchitecture;
            if (rid.Architecture != host)
            {
                errors.Add(Error(GenerationErrors.ForeignArchitecture,
                    $"the container RID {rid.Rid} is for {rid.Architecture}, but Container mode runs the SDK image on this {host} machine", file,
                    "use ContainerBuildMode=Host (the default), which publishes on the host and cross-targets without emulation"));
            }
        }

        var (entrypoint, cmd) = Check(() => EntrypointRules.Compute(model, workdir, file));
        if (errors.Count > 0 || baseImage is null || rid is null || platform is null || repository is null) return (null, errors);

        var environment = c.ContainerEnvironmentVariable.ToArray();
        return (new ContainerPlan
        {
            Project = model,
            Base = baseImage,
            BaseImage = baseFacts?.PinnedReference ?? (baseImage.IsInferred ? Mirror(baseImage.Reference, mirror) : baseImage.Reference),
            SdkImage = Mirror(baseImage.SdkImage, mirror),
            RuntimeIdentifier = rid.Rid,
            PublishForRuntimeIdentifier = model.IsSelfContained || NonEmpty(model.RuntimeIdentifier) is not null || NonEmpty(c.ContainerRuntimeIdentifier) is not null,
            Platform = platform,
            Registry = registry,
            Repository = repository,
            Tags = tags,
            WorkingDirectory = workdir,
            User = NonEmpty(c.ContainerUser) ?? (baseFacts is not null
                ? (baseFacts.Variable("APP_UID") is { Length: > 0 } ? "$APP_UID" : null)
                : (baseImage.MicrosoftDotnetMajor >= 8 ? "$APP_UID" : null)),
            Ports = Ports(explicitPorts, BaseEnvironment(baseImage, baseFacts), environment),
            Environment = environment,
            Labels = GeneratedLabels.Compute(model, baseImage, epoch, now),
            Entrypoint = entrypoint!,
            Cmd = cmd!,
            BuildArgs = c.ContainerBuildArg,
            SourceDateEpoch = epoch,
        }, errors);
    }

    private static RuntimeIdentifierInfo ContainerRid(ProjectModel model, string file)
    {
        var rids = BaseImageInference.TargetRuntimeIdentifiers(model);
        if (rids.Count != 1)
        {
            throw new ContainerizeException(GenerationErrors.MultipleRuntimeIdentifiers,
                $"the project asks for several container RIDs ({string.Join(", ", rids)}); one image per RID and an index over them are built only in Host mode with the builtin engine, and this publish builds one platform (ContainerBuildMode=Container, a ContainerDockerfile or ContainerBuildEngine)", file,
                hint: "set ContainerRuntimeIdentifier to one of them, or publish in Host mode without ContainerDockerfile and ContainerBuildEngine for a multi-platform image");
        }

        var info = RuntimeIdentifierInfo.Parse(rids[0]);
        if (!info.IsLinux) throw RuntimeIdentifierInfo.Unsupported(info.Rid, file);
        return info;
    }

    private static List<ExposedPort> ParsePorts(IReadOnlyList<ContainerPortItem> items, string file)
    {
        var ports = new List<ExposedPort>();
        foreach (var item in items)
        {
            // ContainerHelpers.TryParsePort: "8080", or "8080/udp" in the Include, with Type metadata defaulting to tcp.
            var number = item.Include.Trim();
            var type = item.Type;
            var slash = number.IndexOf('/');
            if (slash >= 0 && type is null) (number, type) = (number[..slash], number[(slash + 1)..]);
            if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 65535)
            {
                throw new ContainerizeException(GenerationErrors.InvalidPort, $"ContainerPort '{item.Include}' is not a port number from 1 to 65535", file,
                    hint: "write <ContainerPort Include=\"8080\" Type=\"tcp\" />");
            }

            var t = string.IsNullOrWhiteSpace(type) ? "tcp" : type.Trim().ToLowerInvariant();
            if (t is not ("tcp" or "udp"))
            {
                throw new ContainerizeException(GenerationErrors.InvalidPortType, $"ContainerPort {item.Include} has the type '{type}'; only tcp and udp exist", file,
                    hint: "set Type=\"tcp\" or Type=\"udp\"");
            }

            ports.Add(new ExposedPort(n, t));
        }

        return ports;
    }

    /// <summary>The base's environment: read from its config when resolved, else what Microsoft's images of that version set.</summary>
    private static IReadOnlyDictionary<string, string> BaseEnvironment(BaseImageChoice baseImage, BaseImageFacts? facts)
    {
        if (facts is not null) return facts.Variables;
        var env = new Dictionary<string, string>(StringComparer.Ordinal);

        switch (baseImage.MicrosoftDotnetMajor)
        {
            case >= 8:
                env["ASPNETCORE_HTTP_PORTS"] = "8080";
                break;
            case not null:
                env["ASPNETCORE_URLS"] = "http://+:80";
                break;
        }

        return env;
    }

    /// <summary>
    /// The explicit ports, then those ImageBuilder.AssignPortsFromEnvironment reads from the image's environment: the
    /// base image's (its config's, else known for Microsoft .NET images) overlaid with ContainerEnvironmentVariable.
    /// ASPNETCORE_URLS wins over ASPNETCORE_HTTP_PORTS and ASPNETCORE_HTTPS_PORTS.
    /// </summary>
    private static List<ExposedPort> Ports(List<ExposedPort> explicitPorts, IReadOnlyDictionary<string, string> baseEnvironment, IReadOnlyList<NameValueItem> userEnvironment)
    {
        var env = new Dictionary<string, string>(baseEnvironment, StringComparer.Ordinal);
        foreach (var e in userEnvironment) env[e.Name] = e.Value;
        var result = new List<ExposedPort>(explicitPorts);
        void Add(int port)
        {
            if (port is >= 1 and <= 65535) result.Add(new ExposedPort(port, "tcp"));
        }

        static string[] Split(string s) => s.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (env.TryGetValue("ASPNETCORE_URLS", out var urls))
        {
            foreach (var url in Split(urls))
            {
                var m = AspNetUrlRegex().Match(url);
                if (m.Success && int.TryParse(m.Groups["port"].Value, CultureInfo.InvariantCulture, out var p)) Add(p);
            }
        }
        else
        {
            foreach (var name in new[] { "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
            {
                if (!env.TryGetValue(name, out var ports)) continue;
                foreach (var p in Split(ports))
                {
                    if (int.TryParse(p, CultureInfo.InvariantCulture, out var n)) Add(n);
                }
            }
        }

        return result.Distinct().ToList();
    }

    private static string Mirror(string reference, string? mirror) =>
        mirror is not null && reference.StartsWith(BaseImageChoice.MicrosoftRegistry + "/", StringComparison.Ordinal)
            ? mirror + reference[BaseImageChoice.MicrosoftRegistry.Length..]
            : reference;

    private static Diagnostic Error(string code, string message, string file, string hint) => new(code, Severity.Error, message, file, null, hint);

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    [GeneratedRegex("^[a-zA-Z_]{1,}[a-zA-Z0-9_]*$")]
    private static partial Regex EnvNameRegex();

    // ImageBuilder's cut-down form of ASP.NET Core's BindingAddress: only the port matters.
    [GeneratedRegex(@"(?<scheme>\w+)://(?<domain>([*+]|).+):(?<port>\d+)")]
    private static partial Regex AspNetUrlRegex();
}
