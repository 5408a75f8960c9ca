using System.Text.Json;
using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Invocation;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// <c>POST /v1/grains/{grainType}/{method}?key=…</c>: the typed .NET client's call path. Any
/// silo accepts the call and routes it to the grain's owner. The body is the arguments as a
/// JSON array; the answer is the result as JSON, or (with header <c>X-Fabric-Outcome:
/// exception</c>) the grain's exception. Batches need the <c>batches</c> scope, sessions their
/// tenant, any other grain type a <c>*</c> key.
/// </summary>
internal static class GrainGatewayEndpoints
{
    public static void MapGrainGatewayEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost("/v1/grains/{grainType}/{method}", HandleAsync);

    private static async Task<IResult> HandleAsync(HttpContext context, string grainType, string method, string? key, GatewayCalls calls)
    {
        if (string.IsNullOrEmpty(key))
        {
            return Problems.For(ErrorCodes.ValidationFailed, "The query parameter 'key' (the grain key) is required.");
        }

        var caller = context.Caller();
        var allowed = grainType switch
        {
            "essay-batch" => caller.CanAccessBatches,
            "session" => key.Split(':', 2)[0] is { Length: > 0 } tenant && caller.CanAccessTenant(tenant),
            _ => caller.IsAdministrator,
        };
        if (!allowed)
        {
            return Problems.For(ErrorCodes.Forbidden, $"The API key does not allow calls to {grainType} '{key}'.");
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        GrainRequest executed;
        try
        {
            executed = await calls.ExecuteAsync(grainType, key, method, body.GetBuffer().AsMemory(0, (int)body.Length), context.RequestAborted);
        }
        catch (ArgumentException exception)
        {
            return Problems.For(ErrorCodes.ValidationFailed, exception.Message);
        }

        if (executed.Exception is FabricUnavailableException unavailable)
        {
            return Problems.For(ErrorCodes.Unavailable, unavailable.Message, unavailable.RetryAfter);
        }

        return new GrainOutcomeResult(executed, calls.SerializerOptions);
    }
}
