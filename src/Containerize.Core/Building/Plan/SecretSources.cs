using Containerize.Core.Diagnostics;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// One `--secret` value, read as docker buildx reads it: `id=ID[,src|source=FILE][,env=VARIABLE][,type=file|env]`.
/// With neither src nor env the secret comes from the variable named ID when it is set, else from the file ID
/// (BuildKit's secretsprovider rule).
/// </summary>
public sealed record SecretSource(string Id, string? File, string? Env)
{
    public static SecretSource Parse(string value)
    {
        string? id = null, file = null, env = null, type = null;
        foreach (var field in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = field.IndexOf('=');
            if (eq <= 0) throw Bad(value, $"'{field}' is not key=value");
            var v = field[(eq + 1)..];
            switch (field[..eq].Trim().ToLowerInvariant())
            {
                case "id": id = v; break;
                case "src" or "source": file = v; break;
                case "env": env = v; break;
                case "type" when v is "file" or "env": type = v; break;
                case "type": throw Bad(value, $"type must be file or env, not '{v}'");
                default: throw Bad(value, $"unexpected key '{field[..eq]}'");
            }
        }

        if (string.IsNullOrEmpty(id)) throw Bad(value, "id= is missing");
        if (type == "env" && env is null)
        {
            env = file;
            file = null;
        }

        return new SecretSource(id, file, env);
    }

    private static ContainerizeException Bad(string value, string why) =>
        new(BuildErrors.BadSecretSource, $"invalid --secret '{value}': {why}", hint: "write --secret id=ID,src=FILE or --secret id=ID,env=VARIABLE");
}

/// <summary>
/// The files behind a build's secrets: a file source as it is, a variable's value written to a private temporary file
/// (0600 in a 0700 folder) that Dispose deletes. <see cref="BuildRequest.Secrets"/> takes <see cref="Files"/>.
/// </summary>
public sealed class SecretFiles : IDisposable
{
    private readonly string? _folder;

    private SecretFiles(IReadOnlyDictionary<string, string> files, string? folder)
    {
        Files = files;
        _folder = folder;
    }

    public IReadOnlyDictionary<string, string> Files { get; }

    /// <summary>Resolves each source; relative files are relative to <paramref name="workingDirectory"/>.</summary>
    public static SecretFiles Create(IEnumerable<SecretSource> sources, Func<string, string?> getEnvironment, string workingDirectory)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        string? folder = null;
        try
        {
            foreach (var s in sources)
            {
                var env = s.Env ?? (s.File is null && getEnvironment(s.Id) is not null ? s.Id : null);
                if (env is not null)
                {
                    var value = getEnvironment(env) ?? throw new ContainerizeException(BuildErrors.BadSecretSource,
                        $"secret '{s.Id}': environment variable '{env}' is not set", hint: "export it, or give the secret as a file with src=FILE");
                    if (folder is null)
                    {
                        folder = Path.Combine(Path.GetTempPath(), "containerize-secrets-" + Guid.NewGuid().ToString("N")[..12]);
                        // Windows has no modes: the user's own temporary folder is private to them there.
                        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
                        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    }

                    var path = Path.Combine(folder, files.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                    if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                    using (var stream = new FileStream(path, options))
                    {
                        stream.Write(System.Text.Encoding.UTF8.GetBytes(value));
                    }

                    files[s.Id] = path;
                }
                else
                {
                    var path = Path.GetFullPath(s.File ?? s.Id, workingDirectory);
                    if (!System.IO.File.Exists(path))
                    {
                        throw new ContainerizeException(BuildErrors.BadSecretSource, $"secret '{s.Id}': file '{path}' does not exist",
                            hint: "give an existing file with --secret id=ID,src=FILE, or env=VARIABLE");
                    }

                    files[s.Id] = path;
                }
            }
        }
        catch
        {
            if (folder is not null) Directory.Delete(folder, recursive: true);
            throw;
        }

        return new SecretFiles(files, folder);
    }

    public void Dispose()
    {
        if (_folder is not null && Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>`--ssh ID[=SOCKET]`: the agent socket for RUN --mount=type=ssh; without a socket, SSH_AUTH_SOCK.</summary>
public static class SshAgentSource
{
    public static KeyValuePair<string, string> Parse(string value, Func<string, string?> getEnvironment, string workingDirectory)
    {
        var eq = value.IndexOf('=');
        var id = eq < 0 ? value : value[..eq];
        if (id.Length == 0) throw new ContainerizeException(BuildErrors.BadSecretSource, $"invalid --ssh '{value}'", hint: "write --ssh default or --ssh ID=/path/to/agent.sock");
        var socket = eq < 0 ? getEnvironment("SSH_AUTH_SOCK") : value[(eq + 1)..].Split(',')[0];
        if (string.IsNullOrEmpty(socket))
        {
            throw new ContainerizeException(BuildErrors.BadSecretSource, $"--ssh {id}: SSH_AUTH_SOCK is not set",
                hint: "start an agent (eval $(ssh-agent); ssh-add) or give --ssh ID=/path/to/agent.sock");
        }

        return new(id, Path.GetFullPath(socket, workingDirectory));
    }
}
