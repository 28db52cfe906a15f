using Containerize.Core.Context.Git;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// The build's git URL contexts, checked out before anything else reads the request: the main context (its
/// <c>-f</c> relative to the checkout's context folder, as docker) and each <c>--build-context NAME=GIT-URL</c>
/// (then a folder like any other: its own root .dockerignore applies). <see cref="Request"/> names the checkouts'
/// folders; <see cref="Dispose"/> removes them. A value that is an existing folder stays a folder, as docker decides.
/// </summary>
public sealed class GitContexts : IDisposable
{
    private readonly List<GitCheckout> _checkouts;

    private GitContexts(BuildRequest request, List<GitCheckout> checkouts)
    {
        Request = request;
        _checkouts = checkouts;
    }

    public BuildRequest Request { get; }

    public IReadOnlyList<GitCheckout> Checkouts => _checkouts;

    public static async Task<GitContexts> ResolveAsync(BuildRequest request, IDiagnosticSink sink, GitCheckoutOptions? options, CancellationToken cancellationToken)
    {
        var checkouts = new List<GitCheckout>();
        try
        {
            var resolved = request;
            if (!Directory.Exists(request.ContextDirectory))
            {
                if (GitUrl.TryParse(request.ContextDirectory, out var url))
                {
                    var checkout = await GitCheckout.CreateAsync(url!, options, sink, cancellationToken).ConfigureAwait(false);
                    checkouts.Add(checkout);
                    resolved = resolved with
                    {
                        ContextDirectory = checkout.ContextFolder,
                        DockerfilePath = checkout.DockerfilePath(request.DockerfilePath),
                        SourceRepository = url!.Remote,
                        SourceRevision = checkout.Commit,
                    };
                }
                else if (GitUrl.IsHttpUrl(request.ContextDirectory))
                {
                    throw new ContainerizeException(GitErrors.HttpContext, $"'{GitUrl.Redact(request.ContextDirectory)}' is an HTTP context (a tarball or a Dockerfile), which this engine does not download",
                        hint: "a git repository's URL ends in .git (https://HOST/REPO.git#REF:SUBDIR); for a tarball, download and extract it, then build the folder");
                }
            }

            if (request.NamedContexts.Values.Any(IsGitValue))
            {
                var named = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, value) in request.NamedContexts)
                {
                    if (IsGitValue(value))
                    {
                        var checkout = await GitCheckout.CreateAsync(GitUrl.Parse(value), options, sink, cancellationToken).ConfigureAwait(false);
                        checkouts.Add(checkout);
                        named[name] = checkout.ContextFolder;
                    }
                    else
                    {
                        named[name] = value;
                    }
                }

                resolved = resolved with { NamedContexts = named };
            }

            return new GitContexts(resolved, checkouts);
        }
        catch
        {
            foreach (var c in checkouts) c.Dispose();
            throw;
        }
    }

    /// <summary>A named context's value that is a git URL: not an image location, not an existing folder.</summary>
    private static bool IsGitValue(string value) =>
        !value.StartsWith("docker-image://", StringComparison.Ordinal) && !value.StartsWith("oci-layout://", StringComparison.Ordinal)
        && !value.StartsWith("oci-archive://", StringComparison.Ordinal) && !value.StartsWith("docker-archive://", StringComparison.Ordinal)
        && !Directory.Exists(value) && GitUrl.IsGitUrl(value);

    public void Dispose()
    {
        foreach (var c in _checkouts) c.Dispose();
    }
}
