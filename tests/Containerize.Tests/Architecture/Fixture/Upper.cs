// A two-folder fixture the architecture checker is tested on, with the rule `Lower` ← `Upper`: Upper may use Lower,
// Lower may not use Upper. These are the Upper types that the Lower types (Lower.cs) each reach in one way.
namespace Containerize.Tests.Architecture.Fixture.Upper;

public class Target
{
    public static int StaticField;

    public int Field;

    public static void StaticMethod()
    {
    }

    public static T Make<T>()
        where T : new() => new();
}

public interface ITarget
{
    void Run();
}

public struct TargetStruct
{
    public int Value;
}

public sealed class TargetException : Exception
{
}

public delegate void TargetHandler();

[AttributeUsage(AttributeTargets.All)]
public sealed class TargetAttribute : Attribute
{
}

public static class Generic<T>
{
    public static int Count;
}

/// <summary>The allowed direction: an Upper type using a Lower one is no finding.</summary>
public sealed class UsesLower : Lower.NoReference
{
    public Lower.NoReference? Field;
}
