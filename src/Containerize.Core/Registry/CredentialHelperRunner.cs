using System.Diagnostics;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Os;

namespace Containerize.Core.Registry;

/// <summary>
/// Runs <c>docker-credential-NAME get</c> (Docker's credential helper protocol): the server URL on stdin, and
/// <c>{"ServerURL","Username","Secret"}</c> on stdout. A user name of <c>&lt;token&gt;</c> marks an identity token.
/// </summary>
public sealed class CredentialHelperRunner(Func<string, string?>? environment = null)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public async Task<RegistryCredential?> GetAsync(string helper, string serverAddress, CancellationToken cancellationToken)
    {
        var program = "docker-credential-" + helper;
        var env = environment ?? Environment.GetEnvironmentVariable;
        // Docker Desktop's helpers (desktop, wincred, osxkeychain) live in its install folder, which a process started
        // from an IDE may not have on PATH; Docker's CLI finds them there through its own PATH, so look there too.
        var path = ExecutableLookup.Find(program, new ExecutableSearch { Environment = env, Fallbacks = ExecutableLookup.ContainerToolFolders(env) })
            ?? throw new ContainerizeException(RegistryErrors.CredentialHelperFailed,
                $"the credential helper '{program}' named in Docker's config.json is not on PATH",
                hint: $"install {program}, or remove it from credHelpers/credsStore in config.json");

        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("get");
        using var process = Process.Start(psi) ?? throw Failed(program, "could not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.StandardInput.WriteAsync(serverAddress.AsMemory(), cancellationToken).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The helper exited without reading stdin (a broken pipe); its exit code and stderr say why.
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw Failed(program, $"did not answer within {Timeout.TotalSeconds:0} s");
        }

        var output = await stdout.ConfigureAwait(false);
        var errors = (await stderr.ConfigureAwait(false)).Trim();
        if (process.ExitCode != 0)
        {
            // The protocol's way of saying "nothing stored for this server".
            if ((output + errors).Contains("credentials not found", StringComparison.OrdinalIgnoreCase)) return null;
            // The helper's own message is safe to show: helpers never print secrets on failure.
            throw Failed(program, $"exited {process.ExitCode}: {FirstLine(errors.Length > 0 ? errors : output)}");
        }

        try
        {
            using var doc = JsonDocument.Parse(output);
            var user = doc.RootElement.TryGetProperty("Username", out var u) ? u.GetString() : null;
            var secret = doc.RootElement.TryGetProperty("Secret", out var s) ? s.GetString() : null;
            if (string.IsNullOrEmpty(secret)) return null;
            var source = $"credential helper {program}";
            return user == "<token>"
                ? new RegistryCredential(null, null, secret) { Source = source }
                : new RegistryCredential(user, secret) { Source = source };
        }
        catch (JsonException)
        {
            // Never echo the output: it may hold the secret.
            throw Failed(program, "printed something that is not the protocol's JSON");
        }
    }

    private static string FirstLine(string text)
    {
        var nl = text.IndexOf('\n');
        return nl < 0 ? text : text[..nl];
    }

    private static ContainerizeException Failed(string program, string why) =>
        new(RegistryErrors.CredentialHelperFailed, $"credential helper {program} {why}",
            hint: "run the helper by hand ('echo SERVER | " + program + " get') to see what it needs, or log in again");
}
