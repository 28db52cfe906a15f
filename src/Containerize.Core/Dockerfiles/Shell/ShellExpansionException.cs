namespace Containerize.Core.Dockerfiles.Shell;

/// <summary>
/// An error inside the lexer, before <see cref="ShellLexer"/> adds the word it was processing and turns it
/// into a coded <see cref="Diagnostics.ContainerizeException"/>. Internal, so that a substitution can replace
/// a nested error by its own (an error at the end of input becomes "missing '}'", as in BuildKit).
/// </summary>
internal sealed class ShellExpansionException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
