namespace Containerize.Core.Dockerfiles.Shell;

/// <summary>
/// One expanded word, with the variables it looked up: <paramref name="Matched"/> were set (possibly to the
/// empty string), <paramref name="Unmatched"/> were not. The build cache keys on both.
/// </summary>
public sealed record ProcessWordResult(string Result, IReadOnlySet<string> Matched, IReadOnlySet<string> Unmatched);

/// <summary>The words after expansion and splitting, with the variables looked up (see <see cref="ProcessWordResult"/>).</summary>
public sealed record ProcessWordsResult(IReadOnlyList<string> Words, IReadOnlySet<string> Matched, IReadOnlySet<string> Unmatched);
