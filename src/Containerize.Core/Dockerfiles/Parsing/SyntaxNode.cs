using System.Text;

namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>
/// A node of BuildKit's Dockerfile AST. The root has one child per instruction; an instruction node holds the keyword as
/// written in <see cref="Value"/>, its <c>--flags</c>, and its arguments as a chain through <see cref="Next"/>.
/// ONBUILD's argument is a value-less node whose only child is the nested instruction.
/// </summary>
public sealed class SyntaxNode
{
    public string Value { get; init; } = "";

    public SyntaxNode? Next { get; internal set; }

    public IReadOnlyList<SyntaxNode> Children { get; internal set; } = [];

    public IReadOnlyList<string> Flags { get; init; } = [];

    public IReadOnlyList<Heredoc> Heredocs { get; internal set; } = [];

    /// <summary>The arguments were a JSON array (exec form).</summary>
    public bool IsJson { get; init; }

    /// <summary>The joined logical line the node was parsed from.</summary>
    public string Original { get; init; } = "";

    /// <summary>1-based first physical line.</summary>
    public int StartLine { get; internal set; }

    /// <summary>1-based last physical line consumed (continuations, comments inside them and heredoc bodies included).</summary>
    public int EndLine { get; internal set; }

    /// <summary>Comment lines directly above the instruction (BuildKit uses them for doc comments and lint config).</summary>
    public IReadOnlyList<string> PrevComment { get; init; } = [];

    /// <summary>The argument values along the <see cref="Next"/> chain (a nested ONBUILD instruction contributes its keyword and arguments).</summary>
    public IReadOnlyList<string> Arguments
    {
        get
        {
            var result = new List<string>();
            for (var n = Next; n is not null; n = n.Next)
            {
                if (n.Children.Count == 0)
                {
                    result.Add(n.Value);
                }
                else if (n.Children.Count == 1)
                {
                    result.Add(n.Children[0].Value);
                    result.AddRange(n.Children[0].Arguments);
                }
            }

            return result;
        }
    }

    /// <summary>BuildKit's <c>Node.Dump</c>: the s-expression form of the tree, byte for byte.</summary>
    public string Dump()
    {
        var sb = new StringBuilder();
        sb.Append(Value.ToLowerInvariant());
        if (Flags.Count > 0)
        {
            sb.Append(" [").AppendJoin(' ', Flags.Select(GoQuote.Quote)).Append(']');
        }

        foreach (var child in Children)
        {
            sb.Append('(').Append(child.Dump()).Append(")\n");
        }

        for (var n = Next; n is not null; n = n.Next)
        {
            sb.Append(' ').Append(n.Children.Count > 0 ? n.Dump() : GoQuote.Quote(n.Value));
        }

        return sb.ToString().Trim();
    }

    public override string ToString() => Dump();
}

internal static class SyntaxNodeExtensions
{
    public static SyntaxNode WithHeredocs(this SyntaxNode node, IReadOnlyList<Heredoc> heredocs)
    {
        node.Heredocs = heredocs;
        return node;
    }
}
