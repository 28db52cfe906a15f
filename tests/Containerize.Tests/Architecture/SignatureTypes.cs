using System.Collections.Immutable;
using System.Reflection.Metadata;

namespace Containerize.Tests.Architecture;

/// <summary>
/// Every type a signature or a custom attribute value names: generic arguments, array and pointer elements, modifiers,
/// function pointer parts, and the <c>typeof(X)</c> arguments of attributes (stored as type name strings).
/// </summary>
internal sealed class SignatureTypes(MetadataReader md) :
    ISignatureTypeProvider<SignatureTypes.Set, object?>, ICustomAttributeTypeProvider<SignatureTypes.Set>
{
    private static readonly TypeKey SystemType = new("System", "Type");

    /// <summary>The types of one signature element; <see cref="Handle"/> is the single named type, for enum lookups.</summary>
    public sealed record Set(ImmutableArray<TypeKey> Types, EntityHandle Handle = default, string? AssemblyQualifiedName = null)
    {
        public static readonly Set Empty = new(ImmutableArray<TypeKey>.Empty);

        public static Set Union(IEnumerable<Set> sets) => new([.. sets.SelectMany(s => s.Types)]);
    }

    public Set GetPrimitiveType(PrimitiveTypeCode typeCode) => Set.Empty;

    public Set GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        new([MetadataTypes.TopLevel(md, handle)], handle);

    public Set GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
        new([MetadataTypes.TopLevel(md, handle)], handle, MetadataTypes.AssemblyQualifiedName(md, handle));

    public Set GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        md.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

    public Set GetSZArrayType(Set elementType) => Strip(elementType);

    public Set GetArrayType(Set elementType, ArrayShape shape) => Strip(elementType);

    public Set GetByReferenceType(Set elementType) => Strip(elementType);

    public Set GetPointerType(Set elementType) => Strip(elementType);

    public Set GetPinnedType(Set elementType) => elementType;

    public Set GetGenericInstantiation(Set genericType, ImmutableArray<Set> typeArguments) => Set.Union([genericType, .. typeArguments]);

    public Set GetGenericMethodParameter(object? genericContext, int index) => Set.Empty;

    public Set GetGenericTypeParameter(object? genericContext, int index) => Set.Empty;

    public Set GetModifiedType(Set modifier, Set unmodifiedType, bool isRequired) => Set.Union([modifier, unmodifiedType]);

    public Set GetFunctionPointerType(MethodSignature<Set> signature) => Set.Union([signature.ReturnType, .. signature.ParameterTypes]);

    public Set GetSystemType() => new([SystemType]);

    public bool IsSystemType(Set type) => type.Types is [var only] && only == SystemType;

    /// <summary>A <c>typeof(X)</c> attribute argument: an assembly-qualified name, generic arguments included.</summary>
    public Set GetTypeFromSerializedName(string name)
    {
        if (!TypeName.TryParse(name, out var parsed)) throw new BadImageFormatException($"attribute type argument '{name}' is not a type name");

        // An enum value in an attribute is also stored by its type's name: keep what finds the enum again.
        var own = parsed.IsSimple && (parsed.AssemblyName is null || parsed.AssemblyName.Name == md.GetString(md.GetAssemblyDefinition().Name))
            ? OwnTypes.Value.GetValueOrDefault(parsed.FullName)
            : default;
        return new([.. Named(parsed)], own, name);
    }

    // This assembly's types by their serialized full name (Ns.Outer+Inner), for enums named in attribute values.
    private Lazy<Dictionary<string, TypeDefinitionHandle>> OwnTypes => _ownTypes ??= new(() =>
        md.TypeDefinitions.ToDictionary(FullName, h => h, StringComparer.Ordinal));

    private Lazy<Dictionary<string, TypeDefinitionHandle>>? _ownTypes;

    private string FullName(TypeDefinitionHandle handle)
    {
        var def = md.GetTypeDefinition(handle);
        var outer = def.GetDeclaringType();
        if (!outer.IsNil) return FullName(outer) + "+" + md.GetString(def.Name);
        var ns = md.GetString(def.Namespace);
        return ns.Length == 0 ? md.GetString(def.Name) : ns + "." + md.GetString(def.Name);
    }

    /// <summary>An enum in an attribute value: its underlying type, from this assembly's metadata or, for a framework enum, from the runtime.</summary>
    public PrimitiveTypeCode GetUnderlyingEnumType(Set type)
    {
        if (!type.Handle.IsNil && type.Handle.Kind == HandleKind.TypeDefinition)
        {
            foreach (var f in md.GetTypeDefinition((TypeDefinitionHandle)type.Handle).GetFields())
            {
                var field = md.GetFieldDefinition(f);
                if ((field.Attributes & System.Reflection.FieldAttributes.Static) != 0) continue;
                var blob = md.GetBlobReader(field.Signature);
                blob.ReadSignatureHeader();
                return (PrimitiveTypeCode)blob.ReadSignatureTypeCode();
            }
        }
        else if (type.AssemblyQualifiedName is { } name && Type.GetType(name, throwOnError: false) is { IsEnum: true } runtime)
        {
            return Type.GetTypeCode(Enum.GetUnderlyingType(runtime)) switch
            {
                TypeCode.SByte => PrimitiveTypeCode.SByte,
                TypeCode.Byte => PrimitiveTypeCode.Byte,
                TypeCode.Int16 => PrimitiveTypeCode.Int16,
                TypeCode.UInt16 => PrimitiveTypeCode.UInt16,
                TypeCode.Int32 => PrimitiveTypeCode.Int32,
                TypeCode.UInt32 => PrimitiveTypeCode.UInt32,
                TypeCode.Int64 => PrimitiveTypeCode.Int64,
                _ => PrimitiveTypeCode.UInt64,
            };
        }

        // Never guessed: a value read with the wrong width would misread the rest of the attribute.
        throw new BadImageFormatException($"the underlying type of enum {string.Join(", ", type.Types)} in an attribute value cannot be found");
    }

    private static IEnumerable<TypeKey> Named(TypeName name)
    {
        if (name.IsConstructedGenericType)
        {
            return Named(name.GetGenericTypeDefinition()).Concat(name.GetGenericArguments().SelectMany(Named));
        }

        if (name.IsArray || name.IsPointer || name.IsByRef) return Named(name.GetElementType());
        while (name.IsNested) name = name.DeclaringType;
        return [TypeKey.Of(name.Namespace, name.Name)];
    }

    // An array of T is not T itself for enum lookups.
    private static Set Strip(Set element) => new(element.Types);
}
