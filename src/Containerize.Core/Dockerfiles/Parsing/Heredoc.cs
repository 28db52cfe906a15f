namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>
/// A here-document attached to RUN, COPY or ADD. <see cref="Content"/> is the raw body, every line with its newline;
/// for <c>&lt;&lt;-</c> (<see cref="Chomp"/>) the leading tabs are removed only when the content is used.
/// <see cref="Expand"/> is false when any part of the terminator word was quoted.
/// </summary>
public sealed record Heredoc(string Name, int FileDescriptor, bool Expand, bool Chomp, string Content = "")
{
    /// <summary>The content as the instruction uses it: with leading tabs removed from every line for <c>&lt;&lt;-</c>.</summary>
    public string EffectiveContent => Chomp ? HeredocWords.ChompContent(Content) : Content;
}
