namespace Containerize.Core.Registry;

/// <summary>Whether credentials are wanted to read or to write; the .NET SDK's variables differ by it.</summary>
public enum RegistryMode
{
    Pull,
    Push,
}

/// <summary>
/// A user name and secret for one registry, or an identity token (an OAuth refresh token from <c>docker login</c>).
/// ToString never shows the secret, so a credential that reaches a log or an exception message leaks nothing.
/// </summary>
public sealed record RegistryCredential(string? Username, string? Password, string? IdentityToken = null)
{
    /// <summary>Where the credential came from, for detail logs: "DOTNET_CONTAINER_PUSH_REGISTRY_UNAME", "credHelpers (ecr-login)".</summary>
    public string Source { get; init; } = "";

    public override string ToString() => $"credential for '{Username ?? "<token>"}' from {Source}";

    // Records print every property; these keep secrets out of any generated text.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Username = ").Append(Username).Append(", Source = ").Append(Source);
        return true;
    }
}

/// <summary>Finds credentials for a registry host.</summary>
public interface ICredentialProvider
{
    /// <summary>The credential for <paramref name="registry"/> (host or host:port as in an image reference), or null.</summary>
    Task<RegistryCredential?> GetAsync(string registry, RegistryMode mode, CancellationToken cancellationToken);
}

/// <summary>Credentials fixed by the caller, whatever the host: for tests and for callers that read them elsewhere.</summary>
public sealed class StaticCredentialProvider(RegistryCredential? credential) : ICredentialProvider
{
    public Task<RegistryCredential?> GetAsync(string registry, RegistryMode mode, CancellationToken cancellationToken) =>
        Task.FromResult(credential);
}
