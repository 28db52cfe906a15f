// The Lower folder of the checker's fixture (rule `Lower` ← `Upper`): each ViaX type uses Upper in one way only, so
// the checker must report exactly `.../Lower/ViaX -> ...Upper.Y` for each of them, and nothing for NoReference.
// Members are public so that the compiler keeps them and warns about nothing.
using System.Runtime.InteropServices;
using Containerize.Tests.Architecture.Fixture.Upper;

namespace Containerize.Tests.Architecture.Fixture.Lower;

public class NoReference
{
    public static int Helper() => 1;
}

[AttributeUsage(AttributeTargets.All)]
public sealed class TypeArgumentAttribute(Type type) : Attribute
{
    public Type Type { get; } = type;

    public Type[]? More { get; set; }
}

public class ViaBaseType : Target;

public sealed class ViaInterface : ITarget
{
    public void Run()
    {
    }
}

public sealed class ViaFieldType
{
    public Target? Field;
}

public sealed class ViaGenericArgument
{
    public List<Dictionary<string, Target[]>>? Field;
}

public static class ViaParameter
{
    public static int Run(TargetStruct? value) => 0;
}

public static class ViaReturnType
{
    public static Target? Run() => null;
}

public sealed class ViaPropertyType
{
    public TargetStruct[] Items => [];
}

public sealed class ViaEventType
{
    public event TargetHandler? Changed
    {
        add { }
        remove { }
    }
}

[Target]
public sealed class ViaTypeAttribute;

public static class ViaParameterAttribute
{
    public static int Run([Target] int value) => value;
}

[TypeArgument(typeof(List<Target>))]
public sealed class ViaAttributeTypeArgument;

[TypeArgument(typeof(int), More = new[] { typeof(TargetStruct) })]
public sealed class ViaAttributeNamedArrayArgument;

public sealed class ViaTypeConstraint<T>
    where T : Target;

public static class ViaMethodConstraint
{
    public static int Run<T>()
        where T : ITarget => 0;
}

public static class ViaCall
{
    public static void Run() => Target.StaticMethod();
}

public static class ViaNewObject
{
    public static object Run() => new Target();
}

public static class ViaStaticFieldLoad
{
    public static int Run() => Target.StaticField;
}

public static class ViaStaticFieldStore
{
    public static void Run(int value) => Target.StaticField = value;
}

public static class ViaTypeOf
{
    public static Type Run() => typeof(TargetException);
}

public static class ViaCast
{
    public static object Run(object value) => (Target)value;
}

public static class ViaIsInstance
{
    public static bool Run(object value) => value is ITarget;
}

public static class ViaBoxAndUnbox
{
    public static int Run(object value) => ((TargetStruct)value).Value;
}

public static class ViaNewArray
{
    public static object Run() => new TargetHandler[1];
}

public static class ViaGenericMethodArgument
{
    public static object Run() => Target.Make<Target>();
}

public static class ViaGenericMethodInstantiationOnly
{
    public static object? Run() => Activator.CreateInstance<TargetException>();
}

public static class ViaGenericTypeMember
{
    public static int Run() => Generic<NoReference>.Count;
}

public static class ViaMethodGroup
{
    public static Action Run() => Target.StaticMethod;
}

public static class ViaCatch
{
    public static int Run(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (TargetException)
        {
            return 1;
        }
    }
}

public static class ViaLambda
{
    public static Func<object> Run() => () => new TargetStruct();
}

public static class ViaClosure
{
    public static Func<int> Run(int value) => () => value + Target.StaticField;
}

public static class ViaAsyncStateMachine
{
    public static async Task<int> Run()
    {
        await Task.Yield();
        return Target.StaticField;
    }
}

public static class ViaIterator
{
    public static IEnumerable<int> Run()
    {
        yield return Target.StaticField;
    }
}

public static class ViaNestedType
{
    public sealed class Inner
    {
        public Target? Field;
    }
}

public static class ViaLocalFunction
{
    public static int Run()
    {
        return Local();

        static int Local() => Target.StaticField;
    }
}

/// <summary>Two P/Invokes (a DllImport and a LibraryImport, whose generated stub declares a nested P/Invoke) for the P/Invoke rule.</summary>
public static partial class NativeCalls
{
    [DllImport("libc", EntryPoint = "getpid")]
    public static extern int GetPid();

    [LibraryImport("libc", EntryPoint = "getppid")]
    public static partial int GetParentPid();
}
