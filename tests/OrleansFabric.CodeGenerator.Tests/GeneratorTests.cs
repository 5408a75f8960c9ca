using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace OrleansFabric.CodeGenerator.Tests;

/// <summary>Runs the generator over small compilations and checks what it emits and reports.</summary>
public sealed class GeneratorTests
{
    private static (IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<string> Sources) Run(string code)
    {
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var references = framework
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
            .Select(path => MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(IGrain).Assembly.Location));
        var compilation = CSharpCompilation.Create(
            "Sample",
            [CSharpSyntaxTree.ParseText(code)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create(new GrainGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult();
        var errors = diagnostics.Concat(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)).ToList();
        return (errors, [.. result.GeneratedTrees.Select(tree => tree.ToString())]);
    }

    [Fact]
    public void A_valid_interface_compiles_with_a_reference_requests_and_a_registration()
    {
        var (diagnostics, sources) = Run("""
            using System.Threading; using System.Threading.Tasks; using OrleansFabric;
            namespace Sample;
            public interface IEssayBatchGrain : IGrainWithStringKey
            {
                Task<int> AddAsync(int amount, CancellationToken ct = default);
                [ReadOnly] ValueTask<string> GetAsync();
                Task ResetAsync();
                ValueTask PingAsync(string? note);
            }
            """);

        Assert.Empty(diagnostics);
        var source = Assert.Single(sources);
        Assert.Contains("new global::OrleansFabric.GrainType(\"essay-batch\")", source, StringComparison.Ordinal);
        Assert.Contains("\"GetAsync\", true)", source, StringComparison.Ordinal);
        Assert.Contains("internal sealed class IEssayBatchGrain_Reference", source, StringComparison.Ordinal);
        Assert.Contains("[global::System.Runtime.CompilerServices.ModuleInitializer]", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Overloads_get_distinct_wire_names_and_an_explicit_grain_type_is_kept()
    {
        var (diagnostics, sources) = Run("""
            using System.Threading.Tasks; using OrleansFabric;
            namespace Sample;
            [GrainType("calc")]
            public interface ICalculatorGrain : IGrainWithStringKey
            {
                Task<int> AddAsync(int a);
                Task<int> AddAsync(int a, int b);
            }
            """);

        Assert.Empty(diagnostics);
        var source = Assert.Single(sources);
        Assert.Contains("new global::OrleansFabric.GrainType(\"calc\")", source, StringComparison.Ordinal);
        Assert.Contains("\"AddAsync#1\"", source, StringComparison.Ordinal);
        Assert.Contains("\"AddAsync#2\"", source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("int Count();", "OFG001")]
    [InlineData("Task Update(ref int value);", "OFG002")]
    [InlineData("Task<T> Get<T>();", "OFG003")]
    [InlineData("int Size { get; }", "OFG006")]
    [InlineData("Task Both(CancellationToken a, CancellationToken b);", "OFG007")]
    public void An_unsupported_member_is_reported_and_nothing_is_generated(string member, string id)
    {
        var (diagnostics, sources) = Run($$"""
            using System.Threading; using System.Threading.Tasks; using OrleansFabric;
            namespace Sample;
            public interface IBadGrain : IGrainWithStringKey
            {
                {{member}}
            }
            """);

        Assert.Contains(diagnostics, diagnostic => diagnostic.Id == id);
        Assert.Empty(sources);
    }

    [Fact]
    public void Generic_and_nested_grain_interfaces_are_reported()
    {
        var (diagnostics, _) = Run("""
            using System.Threading.Tasks; using OrleansFabric;
            namespace Sample;
            public interface IBoxGrain<T> : IGrainWithStringKey { Task<T> GetAsync(); }
            public static class Outer { public interface IInnerGrain : IGrainWithStringKey { Task PingAsync(); } }
            """);

        Assert.Contains(diagnostics, diagnostic => diagnostic.Id == "OFG004");
        Assert.Contains(diagnostics, diagnostic => diagnostic.Id == "OFG005");
    }
}
