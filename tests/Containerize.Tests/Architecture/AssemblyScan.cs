using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Containerize.Tests.Architecture;

/// <summary>A P/Invoke declaration: the top-level type that declares it, the method, and the library and entry point.</summary>
internal sealed record PInvoke(TypeKey Type, string Method, string Library, string EntryPoint);

/// <summary>
/// What a compiled assembly's types use, read from its metadata without loading it: for every type, nested and
/// compiler-generated ones under their top-level type, every type it names in its base type, interfaces, generic
/// constraints, custom attributes (constructor and <c>typeof</c> arguments), field, property, event and method
/// signatures, explicit interface implementations, locals, catch clauses and the tokens of its IL; and its P/Invokes.
/// </summary>
internal sealed class AssemblyScan
{
    private AssemblyScan(IReadOnlySet<(TypeKey From, TypeKey To)> references, IReadOnlyList<PInvoke> pinvokes, IReadOnlySet<TypeKey> types)
    {
        References = references;
        PInvokes = pinvokes;
        Types = types;
    }

    /// <summary>Pairs of top-level types, a type using itself left out.</summary>
    public IReadOnlySet<(TypeKey From, TypeKey To)> References { get; }

    public IReadOnlyList<PInvoke> PInvokes { get; }

    /// <summary>Every top-level type the assembly defines.</summary>
    public IReadOnlySet<TypeKey> Types { get; }

    public static AssemblyScan Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var signatures = new SignatureTypes(md);
        var references = new HashSet<(TypeKey, TypeKey)>();
        var pinvokes = new List<PInvoke>();
        var types = new HashSet<TypeKey>();
        foreach (var handle in md.TypeDefinitions)
        {
            var from = MetadataTypes.TopLevel(md, handle);
            types.Add(from);
            foreach (var to in TypesUsedBy(md, pe, signatures, handle, pinvokes))
            {
                if (to != from) references.Add((from, to));
            }
        }

        return new AssemblyScan(references, pinvokes, types);
    }

    private static IEnumerable<TypeKey> TypesUsedBy(MetadataReader md, PEReader pe, SignatureTypes signatures, TypeDefinitionHandle handle, List<PInvoke> pinvokes)
    {
        var used = new List<TypeKey>();
        var type = md.GetTypeDefinition(handle);
        void Named(EntityHandle h)
        {
            if (!h.IsNil) used.AddRange(MetadataTypes.Named(md, signatures, h));
        }

        void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var a in attributes)
            {
                var attribute = md.GetCustomAttribute(a);
                Named(attribute.Constructor);
                var value = attribute.DecodeValue(signatures);
                foreach (var argument in value.FixedArguments.Concat(value.NamedArguments.Select(n => new CustomAttributeTypedArgument<SignatureTypes.Set>(n.Type, n.Value))))
                {
                    used.AddRange(argument.Type.Types);
                    ArgumentTypes(argument.Value);
                }
            }
        }

        // typeof(X) arguments decode to a Set; arrays of arguments nest.
        void ArgumentTypes(object? value)
        {
            switch (value)
            {
                case SignatureTypes.Set set:
                    used.AddRange(set.Types);
                    break;
                case IEnumerable<CustomAttributeTypedArgument<SignatureTypes.Set>> items:
                    foreach (var item in items)
                    {
                        used.AddRange(item.Type.Types);
                        ArgumentTypes(item.Value);
                    }

                    break;
            }
        }

        void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var p in parameters)
            {
                var parameter = md.GetGenericParameter(p);
                Attributes(parameter.GetCustomAttributes());
                foreach (var c in parameter.GetConstraints())
                {
                    var constraint = md.GetGenericParameterConstraint(c);
                    Named(constraint.Type);
                    Attributes(constraint.GetCustomAttributes());
                }
            }
        }

        Named(type.BaseType);
        foreach (var i in type.GetInterfaceImplementations())
        {
            var implementation = md.GetInterfaceImplementation(i);
            Named(implementation.Interface);
            Attributes(implementation.GetCustomAttributes());
        }

        Attributes(type.GetCustomAttributes());
        GenericParameters(type.GetGenericParameters());
        foreach (var f in type.GetFields())
        {
            var field = md.GetFieldDefinition(f);
            used.AddRange(field.DecodeSignature(signatures, null).Types);
            Attributes(field.GetCustomAttributes());
        }

        foreach (var p in type.GetProperties())
        {
            var property = md.GetPropertyDefinition(p);
            var signature = property.DecodeSignature(signatures, null);
            used.AddRange(MetadataTypes.Parts(signature));
            Attributes(property.GetCustomAttributes());
        }

        foreach (var e in type.GetEvents())
        {
            var @event = md.GetEventDefinition(e);
            Named(@event.Type);
            Attributes(@event.GetCustomAttributes());
        }

        foreach (var i in type.GetMethodImplementations())
        {
            var implementation = md.GetMethodImplementation(i);
            Named(implementation.MethodBody);
            Named(implementation.MethodDeclaration);
        }

        foreach (var m in type.GetMethods())
        {
            var method = md.GetMethodDefinition(m);
            used.AddRange(MetadataTypes.Parts(method.DecodeSignature(signatures, null)));
            Attributes(method.GetCustomAttributes());
            GenericParameters(method.GetGenericParameters());
            foreach (var p in method.GetParameters()) Attributes(md.GetParameter(p).GetCustomAttributes());
            if ((method.Attributes & MethodAttributes.PinvokeImpl) != 0)
            {
                var import = method.GetImport();
                pinvokes.Add(new PInvoke(MetadataTypes.TopLevel(md, handle), md.GetString(method.Name),
                    import.Module.IsNil ? "" : md.GetString(md.GetModuleReference(import.Module).Name), md.GetString(import.Name)));
            }

            if (method.RelativeVirtualAddress == 0) continue; // abstract, extern, P/Invoke: no body
            var body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil) Named(body.LocalSignature);
            foreach (var region in body.ExceptionRegions) Named(region.CatchType);
            foreach (var token in IlTokens.Read(body)) Named(token);
        }

        return used;
    }
}
