using System.Text.Json;
using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Clustering;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// The answer to a grain call in wire form (the gateway's and the silo port's): 200 with the
/// result as JSON, or 200 with <c>X-Fabric-Outcome: exception</c> and the grain's exception.
/// </summary>
internal sealed class GrainOutcomeResult(GrainRequest executed, JsonSerializerOptions options) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.BodyWriter);
        if (executed.Exception is { } failure)
        {
            response.Headers[SiloProtocol.OutcomeHeader] = SiloProtocol.ExceptionOutcome;
            GrainExceptionCodec.Write(writer, failure);
        }
        else
        {
            executed.WriteResult(writer, options);
        }

        await writer.FlushAsync(httpContext.RequestAborted);
    }
}
