using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace OrleansFabric.CodeGenerator;

/// <summary>Turns a grain interface symbol into a <see cref="GrainInterfaceModel"/>, collecting what is wrong with it.</summary>
internal static class GrainInterfaceReader
{
    private const string GrainInterface = "OrleansFabric.IGrain";
    private const string StringKeyInterface = "OrleansFabric.IGrainWithStringKey";
    private const string GrainTypeAttribute = "OrleansFabric.GrainTypeAttribute";
    private const string ReadOnlyAttribute = "OrleansFabric.ReadOnlyAttribute";

    private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static bool IsGrainInterface(INamedTypeSymbol symbol) =>
        symbol.TypeKind == TypeKind.Interface
        && !IsBuiltIn(symbol)
        && symbol.AllInterfaces.Any(i => i.ToDisplayString() == GrainInterface);

    public static GrainInterfaceModel Read(INamedTypeSymbol symbol, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticModel>();
        var location = symbol.Locations.FirstOrDefault();
        if (symbol.IsGenericType)
        {
            diagnostics.Add(new DiagnosticModel(Diagnostics.GenericInterface.Id, symbol.Name, location));
        }

        if (symbol.ContainingType is not null)
        {
            diagnostics.Add(new DiagnosticModel(Diagnostics.NestedInterface.Id, symbol.Name, location));
        }

        var interfaces = new[] { symbol }.Concat(symbol.AllInterfaces.Where(i => !IsBuiltIn(i) && i.AllInterfaces.Any(b => b.ToDisplayString() == GrainInterface)));
        var methods = new List<(IMethodSymbol Method, INamedTypeSymbol Declaring)>();
        foreach (var declaring in interfaces)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var member in declaring.GetMembers())
            {
                if (member.IsStatic)
                {
                    continue;
                }

                if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary } method)
                {
                    methods.Add((method, declaring));
                }
                else if (member is IPropertySymbol or IEventSymbol)
                {
                    diagnostics.Add(new DiagnosticModel(Diagnostics.UnsupportedMember.Id, $"{declaring.Name}.{member.Name}", member.Locations.FirstOrDefault()));
                }
            }
        }

        var baseWireNames = methods.Select(m => SymbolEqualityComparer.Default.Equals(m.Declaring, symbol) ? m.Method.Name : $"{m.Declaring.Name}.{m.Method.Name}").ToList();
        var models = new List<GrainMethodModel>();
        var classNames = new HashSet<string>();
        for (var i = 0; i < methods.Count; i++)
        {
            var (method, declaring) = methods[i];
            var wireName = WireName(baseWireNames, methods, i);
            var className = ClassName(symbol.Name, declaring, symbol, method.Name, classNames);
            var model = ReadMethod(method, declaring, wireName, className, diagnostics);
            if (model is not null)
            {
                models.Add(model);
            }
        }

        return new GrainInterfaceModel(
            symbol.ContainingNamespace.IsGlobalNamespace ? string.Empty : symbol.ContainingNamespace.ToDisplayString(),
            symbol.Name,
            symbol.ToDisplayString(s_typeFormat),
            GrainTypeName(symbol),
            new EquatableArray<GrainMethodModel>(models),
            new EquatableArray<DiagnosticModel>(diagnostics));
    }

    /// <summary>The [GrainType] name, or the interface name without I and Grain in kebab case.</summary>
    internal static string GrainTypeName(INamedTypeSymbol symbol)
    {
        var explicitName = symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == GrainTypeAttribute);
        if (explicitName is { ConstructorArguments.Length: 1 } && explicitName.ConstructorArguments[0].Value is string name && name.Length > 0)
        {
            return name;
        }

        return KebabName(symbol.Name);
    }

    internal static string KebabName(string interfaceName)
    {
        var name = interfaceName;
        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name.Substring(1);
        }

        if (name.Length > "Grain".Length && name.EndsWith("Grain", System.StringComparison.Ordinal))
        {
            name = name.Substring(0, name.Length - "Grain".Length);
        }

        var builder = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var startsWord = i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1])));
                if (startsWord)
                {
                    builder.Append('-');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static bool IsBuiltIn(INamedTypeSymbol symbol)
    {
        var name = symbol.ToDisplayString();
        return name is GrainInterface or StringKeyInterface;
    }

    private static string WireName(List<string> baseNames, List<(IMethodSymbol Method, INamedTypeSymbol Declaring)> methods, int index)
    {
        var baseName = baseNames[index];
        var sameName = Enumerable.Range(0, methods.Count).Where(j => baseNames[j] == baseName).ToList();
        if (sameName.Count == 1)
        {
            return baseName;
        }

        var parameterCount = methods[index].Method.Parameters.Length;
        var sameCount = sameName.Where(j => methods[j].Method.Parameters.Length == parameterCount).ToList();
        return sameCount.Count == 1
            ? $"{baseName}#{parameterCount}"
            : $"{baseName}#{parameterCount}.{sameCount.IndexOf(index)}";
    }

    private static string ClassName(string interfaceName, INamedTypeSymbol declaring, INamedTypeSymbol symbol, string methodName, HashSet<string> used)
    {
        var stem = SymbolEqualityComparer.Default.Equals(declaring, symbol)
            ? $"{interfaceName}_{methodName}"
            : $"{interfaceName}_{declaring.Name}_{methodName}";
        var name = stem + "_Request";
        for (var suffix = 1; !used.Add(name); suffix++)
        {
            name = $"{stem}_{suffix}_Request";
        }

        return name;
    }

    private static GrainMethodModel? ReadMethod(IMethodSymbol method, INamedTypeSymbol declaring, string wireName, string className, List<DiagnosticModel> diagnostics)
    {
        var location = method.Locations.FirstOrDefault();
        var memberName = $"{declaring.Name}.{method.Name}";
        var valid = true;
        if (method.IsGenericMethod)
        {
            diagnostics.Add(new DiagnosticModel(Diagnostics.GenericMethod.Id, memberName, location));
            valid = false;
        }

        var returnType = method.ReturnType as INamedTypeSymbol;
        var returnName = returnType?.ConstructedFrom.ToDisplayString();
        ReturnKind kind;
        string resultType;
        switch (returnName)
        {
            case "System.Threading.Tasks.Task":
                kind = ReturnKind.Task;
                resultType = "global::OrleansFabric.Invocation.VoidResult";
                break;
            case "System.Threading.Tasks.Task<TResult>":
                kind = ReturnKind.TaskOfT;
                resultType = returnType!.TypeArguments[0].ToDisplayString(s_typeFormat);
                break;
            case "System.Threading.Tasks.ValueTask":
                kind = ReturnKind.ValueTask;
                resultType = "global::OrleansFabric.Invocation.VoidResult";
                break;
            case "System.Threading.Tasks.ValueTask<TResult>":
                kind = ReturnKind.ValueTaskOfT;
                resultType = returnType!.TypeArguments[0].ToDisplayString(s_typeFormat);
                break;
            default:
                diagnostics.Add(new DiagnosticModel(Diagnostics.UnsupportedReturnType.Id, $"{memberName} returns {method.ReturnType.ToDisplayString()}", location));
                return null;
        }

        var parameters = new List<GrainParameterModel>();
        var tokens = 0;
        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                diagnostics.Add(new DiagnosticModel(Diagnostics.ByRefParameter.Id, $"{memberName}({parameter.Name})", parameter.Locations.FirstOrDefault() ?? location));
                valid = false;
            }

            var isToken = parameter.Type.ToDisplayString() == "System.Threading.CancellationToken";
            if (isToken && ++tokens > 1)
            {
                diagnostics.Add(new DiagnosticModel(Diagnostics.SeveralCancellationTokens.Id, memberName, location));
                valid = false;
            }

            parameters.Add(new GrainParameterModel(Escape(parameter.Name), parameter.Type.ToDisplayString(s_typeFormat), isToken));
        }

        if (!valid)
        {
            return null;
        }

        var isReadOnly = method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ReadOnlyAttribute);
        return new GrainMethodModel(
            method.Name,
            wireName,
            className,
            kind,
            resultType,
            method.ReturnType.ToDisplayString(s_typeFormat),
            declaring.ToDisplayString(s_typeFormat),
            isReadOnly,
            new EquatableArray<GrainParameterModel>(parameters));
    }

    private static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
