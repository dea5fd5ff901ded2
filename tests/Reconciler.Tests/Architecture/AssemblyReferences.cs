using Mono.Cecil;

namespace GitOpsSecrets.Tests.Architecture;

/// <summary>One use of a type by a product type: which room and namespace it comes from, what it names.</summary>
/// <param name="FromRoom">The room of the using type (<see cref="AssemblyReferences.RoomOf"/>).</param>
/// <param name="FromNamespace">The namespace of the using type's outermost declaring type.</param>
/// <param name="FromType">The outermost declaring type that uses (a lambda or state machine counts as its outer type).</param>
/// <param name="ToRoom">The room of the used type, or null when it is not a product type.</param>
/// <param name="ToNamespace">The namespace of the used type's outermost declaring type.</param>
/// <param name="ToType">The used type's full name.</param>
public sealed record TypeUse(string FromRoom, string FromNamespace, string FromType, string? ToRoom, string ToNamespace, string ToType);

/// <summary>
/// Every type a compiled assembly's product types use, read with Mono.Cecil: base types, interfaces, fields,
/// properties, events, signatures, attributes (and their typeof arguments), generic arguments and constraints,
/// local variables, caught exceptions, and the operands of every instruction (calls, newobj, field access, ldtoken,
/// casts...), so a dependency used only inside a method body is seen. Compiler-generated nested types (lambdas,
/// async state machines, local functions' closures) count for their outer type.
/// </summary>
public static class AssemblyReferences
{
    /// <summary>The namespace every product type lives under.</summary>
    public const string ProductNamespace = "GitOpsSecrets";

    /// <summary>The room of the entry point: the top-level statements' <c>Program</c> in the global namespace.</summary>
    public const string EntryPoint = "Program";

    /// <summary>
    /// A type's room: the first namespace segment after <c>GitOpsSecrets</c>; the bare <c>GitOpsSecrets</c> namespace
    /// is a room of its own (named <c>GitOpsSecrets</c>); <c>Program</c> is the entry point; anything else is not ours (null).
    /// </summary>
    public static string? RoomOf(string @namespace, string outermostTypeName)
    {
        if (@namespace.Length == 0)
        {
            return outermostTypeName == EntryPoint ? EntryPoint : null;
        }

        if (@namespace == ProductNamespace)
        {
            return ProductNamespace;
        }

        if (!@namespace.StartsWith(ProductNamespace + ".", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = @namespace[(ProductNamespace.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    /// <summary>True when <paramref name="namespace"/> is <paramref name="prefix"/> or below it (dot-separated).</summary>
    public static bool IsWithin(string @namespace, string prefix) =>
        @namespace == prefix || @namespace.StartsWith(prefix + ".", StringComparison.Ordinal);

    /// <summary>The distinct uses in the assembly at <paramref name="path"/>, one per (from namespace, to namespace), the first seen as the example.</summary>
    public static IReadOnlyList<TypeUse> Read(string path)
    {
        using var resolver = new DefaultAssemblyResolver();
        foreach (var directory in SearchDirectories(path))
        {
            resolver.AddSearchDirectory(directory);
        }

        using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { AssemblyResolver = resolver, ReadSymbols = false });
        var collector = new Collector();
        foreach (var type in module.Types)
        {
            var room = RoomOf(type.Namespace, type.Name);
            if (room is not null)
            {
                collector.Visit(type, new Origin(room, type.Namespace, type.FullName));
            }
        }

        return collector.Uses;
    }

    private static IEnumerable<string> SearchDirectories(string assemblyPath)
    {
        yield return Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!;
        yield return AppContext.BaseDirectory;
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        yield return runtime;
        var aspNet = Path.GetDirectoryName(typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location);
        if (aspNet is not null)
        {
            yield return aspNet;
        }
    }

    private sealed record Origin(string Room, string Namespace, string Type);

    private sealed class Collector
    {
        private readonly HashSet<(string From, string To)> _seen = [];

        public List<TypeUse> Uses { get; } = [];

        public void Visit(TypeDefinition type, Origin origin)
        {
            Attributes(type, origin);
            Type(type.BaseType, origin);
            foreach (var implemented in type.Interfaces)
            {
                Attributes(implemented, origin);
                Type(implemented.InterfaceType, origin);
            }

            GenericParameters(type, origin);
            foreach (var field in type.Fields)
            {
                Attributes(field, origin);
                Type(field.FieldType, origin);
            }

            foreach (var property in type.Properties)
            {
                Attributes(property, origin);
                Type(property.PropertyType, origin);
                foreach (var parameter in property.Parameters)
                {
                    Type(parameter.ParameterType, origin);
                }
            }

            foreach (var @event in type.Events)
            {
                Attributes(@event, origin);
                Type(@event.EventType, origin);
            }

            foreach (var method in type.Methods)
            {
                Method(method, origin);
            }

            foreach (var nested in type.NestedTypes)
            {
                Visit(nested, origin);
            }
        }

        private void Method(MethodDefinition method, Origin origin)
        {
            Attributes(method, origin);
            Attributes(method.MethodReturnType, origin);
            Type(method.ReturnType, origin);
            GenericParameters(method, origin);
            foreach (var parameter in method.Parameters)
            {
                Attributes(parameter, origin);
                Type(parameter.ParameterType, origin);
            }

            foreach (var overridden in method.Overrides)
            {
                MethodReference(overridden, origin);
            }

            if (!method.HasBody)
            {
                return;
            }

            foreach (var variable in method.Body.Variables)
            {
                Type(variable.VariableType, origin);
            }

            foreach (var handler in method.Body.ExceptionHandlers)
            {
                Type(handler.CatchType, origin);
            }

            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference type:
                        Type(type, origin);
                        break;
                    case MethodReference called:
                        MethodReference(called, origin);
                        break;
                    case FieldReference field:
                        Type(field.DeclaringType, origin);
                        Type(field.FieldType, origin);
                        break;
                    case CallSite site:
                        Type(site.ReturnType, origin);
                        foreach (var parameter in site.Parameters)
                        {
                            Type(parameter.ParameterType, origin);
                        }

                        break;
                }
            }
        }

        private void MethodReference(MethodReference method, Origin origin)
        {
            Type(method.DeclaringType, origin);
            Type(method.ReturnType, origin);
            foreach (var parameter in method.Parameters)
            {
                Type(parameter.ParameterType, origin);
            }

            if (method is GenericInstanceMethod generic)
            {
                foreach (var argument in generic.GenericArguments)
                {
                    Type(argument, origin);
                }
            }
        }

        private void GenericParameters(IGenericParameterProvider provider, Origin origin)
        {
            foreach (var parameter in provider.GenericParameters)
            {
                Attributes(parameter, origin);
                foreach (var constraint in parameter.Constraints)
                {
                    Type(constraint.ConstraintType, origin);
                }
            }
        }

        private void Attributes(ICustomAttributeProvider provider, Origin origin)
        {
            if (!provider.HasCustomAttributes)
            {
                return;
            }

            foreach (var attribute in provider.CustomAttributes)
            {
                Type(attribute.AttributeType, origin);
                foreach (var argument in attribute.ConstructorArguments)
                {
                    AttributeArgument(argument, origin);
                }

                foreach (var named in attribute.Properties.Concat(attribute.Fields))
                {
                    AttributeArgument(named.Argument, origin);
                }
            }
        }

        private void AttributeArgument(CustomAttributeArgument argument, Origin origin)
        {
            Type(argument.Type, origin);
            switch (argument.Value)
            {
                case TypeReference type:
                    Type(type, origin);
                    break;
                case CustomAttributeArgument boxed:
                    AttributeArgument(boxed, origin);
                    break;
                case CustomAttributeArgument[] array:
                    foreach (var element in array)
                    {
                        AttributeArgument(element, origin);
                    }

                    break;
            }
        }

        private void Type(TypeReference? type, Origin origin)
        {
            switch (type)
            {
                case null or GenericParameter:
                    return;
                case GenericInstanceType generic:
                    Type(generic.ElementType, origin);
                    foreach (var argument in generic.GenericArguments)
                    {
                        Type(argument, origin);
                    }

                    return;
                case FunctionPointerType pointer:
                    Type(pointer.ReturnType, origin);
                    foreach (var parameter in pointer.Parameters)
                    {
                        Type(parameter.ParameterType, origin);
                    }

                    return;
                case RequiredModifierType required:
                    Type(required.ModifierType, origin);
                    Type(required.ElementType, origin);
                    return;
                case OptionalModifierType optional:
                    Type(optional.ModifierType, origin);
                    Type(optional.ElementType, origin);
                    return;
                case TypeSpecification specification:
                    Type(specification.ElementType, origin);
                    return;
            }

            var outermost = type;
            while (outermost.DeclaringType is not null)
            {
                outermost = outermost.DeclaringType;
            }

            var toRoom = RoomOf(outermost.Namespace, outermost.Name);
            if (_seen.Add((origin.Room + "|" + origin.Namespace, toRoom + "|" + outermost.Namespace)))
            {
                Uses.Add(new TypeUse(origin.Room, origin.Namespace, origin.Type, toRoom, outermost.Namespace, type.FullName));
            }
        }
    }
}
