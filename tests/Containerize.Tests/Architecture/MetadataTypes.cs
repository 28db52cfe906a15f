using System.Reflection.Metadata;

namespace Containerize.Tests.Architecture;

/// <summary>Maps metadata handles to the top-level types they name.</summary>
internal static class MetadataTypes
{
    public static TypeKey TopLevel(MetadataReader md, TypeDefinitionHandle handle)
    {
        var def = md.GetTypeDefinition(handle);
        while (def.GetDeclaringType() is { IsNil: false } outer) def = md.GetTypeDefinition(outer);
        return TypeKey.Of(md.GetString(def.Namespace), md.GetString(def.Name));
    }

    public static TypeKey TopLevel(MetadataReader md, TypeReferenceHandle handle)
    {
        var reference = md.GetTypeReference(handle);
        while (reference.ResolutionScope.Kind == HandleKind.TypeReference) reference = md.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope);
        return TypeKey.Of(md.GetString(reference.Namespace), md.GetString(reference.Name));
    }

    /// <summary>A type reference as the runtime would look it up (<c>Ns.Outer+Inner, Assembly</c>), or null when it is not in another assembly.</summary>
    public static string? AssemblyQualifiedName(MetadataReader md, TypeReferenceHandle handle)
    {
        var reference = md.GetTypeReference(handle);
        var name = md.GetString(reference.Name);
        while (reference.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            reference = md.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope);
            name = md.GetString(reference.Name) + "+" + name;
        }

        if (reference.ResolutionScope.Kind != HandleKind.AssemblyReference) return null;
        var ns = md.GetString(reference.Namespace);
        var assembly = md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name);
        return $"{(ns.Length == 0 ? "" : ns + ".")}{name}, {assembly}";
    }

    /// <summary>
    /// The types a handle names: a type itself; a field's or method's declaring type; a member reference's parent; a
    /// method instantiation's method and type arguments; a type specification's or stand-alone signature's types.
    /// A member's own signature is not counted: where it names a type of another folder, that is the member's own
    /// type's reference, reported there.
    /// </summary>
    public static IEnumerable<TypeKey> Named(MetadataReader md, SignatureTypes signatures, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                return [TopLevel(md, (TypeDefinitionHandle)handle)];
            case HandleKind.TypeReference:
                return [TopLevel(md, (TypeReferenceHandle)handle)];
            case HandleKind.TypeSpecification:
                return md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(signatures, null).Types;
            case HandleKind.MethodDefinition:
                return [TopLevel(md, md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType())];
            case HandleKind.FieldDefinition:
                return [TopLevel(md, md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType())];
            case HandleKind.MemberReference:
                return Named(md, signatures, md.GetMemberReference((MemberReferenceHandle)handle).Parent);
            case HandleKind.MethodSpecification:
            {
                var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                return Named(md, signatures, spec.Method).Concat(spec.DecodeSignature(signatures, null).SelectMany(s => s.Types));
            }

            case HandleKind.StandaloneSignature:
            {
                var signature = md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                return signature.GetKind() == StandaloneSignatureKind.LocalVariables
                    ? signature.DecodeLocalSignature(signatures, null).SelectMany(s => s.Types)
                    : Parts(signature.DecodeMethodSignature(signatures, null));
            }

            case HandleKind.ModuleReference or HandleKind.ModuleDefinition:
                return []; // global functions: no type
            default:
                throw new BadImageFormatException($"a token of kind {handle.Kind} where a type or member was expected");
        }
    }

    public static IEnumerable<TypeKey> Parts(MethodSignature<SignatureTypes.Set> signature) =>
        signature.ReturnType.Types.Concat(signature.ParameterTypes.SelectMany(p => p.Types));
}
