using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace OrleansFabric.CodeGenerator;

/// <summary>The errors the generator reports; an interface with any of them gets no generated code.</summary>
internal static class Diagnostics
{
    private const string Category = "OrleansFabric";

    public static readonly DiagnosticDescriptor UnsupportedReturnType = new(
        "OFG001", "Unsupported grain method return type", "Grain method {0}: grain methods must return Task, Task<T>, ValueTask or ValueTask<T>", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ByRefParameter = new(
        "OFG002", "By-reference grain method parameter", "Grain method parameter {0}: ref, out and in parameters cannot cross a process boundary", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericMethod = new(
        "OFG003", "Generic grain method", "Grain method {0}: generic methods are not supported", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericInterface = new(
        "OFG004", "Generic grain interface", "Grain interface {0}: generic grain interfaces are not supported", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NestedInterface = new(
        "OFG005", "Nested grain interface", "Grain interface {0}: declare grain interfaces at namespace level, not inside a type", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedMember = new(
        "OFG006", "Unsupported grain interface member", "Grain interface member {0}: grain interfaces may declare only methods", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SeveralCancellationTokens = new(
        "OFG007", "Several cancellation tokens", "Grain method {0}: a grain method takes at most one CancellationToken", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = new[]
    {
        UnsupportedReturnType, ByRefParameter, GenericMethod, GenericInterface, NestedInterface, UnsupportedMember, SeveralCancellationTokens,
    }.ToDictionary(d => d.Id);

    public static Diagnostic Create(DiagnosticModel model) => Diagnostic.Create(s_byId[model.Id], model.Location, model.Argument);
}
