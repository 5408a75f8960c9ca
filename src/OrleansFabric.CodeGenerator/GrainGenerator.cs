using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace OrleansFabric.CodeGenerator;

/// <summary>
/// For every interface in the compilation that derives from <c>OrleansFabric.IGrain</c>,
/// generates a typed reference (proxy), one request class per method with source-generated
/// argument serialization, and a module initializer that registers them.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class GrainGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var interfaces = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is InterfaceDeclarationSyntax { BaseList: not null },
                static (syntax, cancellationToken) =>
                    syntax.SemanticModel.GetDeclaredSymbol(syntax.Node, cancellationToken) is INamedTypeSymbol symbol && GrainInterfaceReader.IsGrainInterface(symbol)
                        ? GrainInterfaceReader.Read(symbol, cancellationToken)
                        : null)
            .Where(static model => model is not null)
            .Collect();

        context.RegisterSourceOutput(interfaces, static (output, models) => Emit(output, models!));
    }

    private static void Emit(SourceProductionContext output, ImmutableArray<GrainInterfaceModel> models)
    {
        // Partial interfaces are seen once per declaration.
        foreach (var model in models.GroupBy(m => m.FullName).Select(group => group.First()))
        {
            if (model.Diagnostics.Count > 0)
            {
                foreach (var diagnostic in model.Diagnostics)
                {
                    output.ReportDiagnostic(Diagnostics.Create(diagnostic));
                }

                continue;
            }

            var hint = (model.Namespace.Length > 0 ? model.Namespace + "." : string.Empty) + model.Name + ".g.cs";
            output.AddSource(hint, SourceText.From(GrainSourceWriter.Write(model), System.Text.Encoding.UTF8));
        }
    }
}
