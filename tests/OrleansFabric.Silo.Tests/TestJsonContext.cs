using System.Text.Json.Serialization;

namespace OrleansFabric.Silo.Tests;

/// <summary>The same generator options as the silo's ApiJsonContext.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(SampleRequest))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
