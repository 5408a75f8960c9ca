using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansFabric.Invocation;
using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Silo.Api;

namespace OrleansFabric.Silo.Hosting;

/// <summary>
/// The receiving end of silo-to-silo calls (<see cref="SiloProtocol"/>): HTTP/2 cleartext on
/// the silo port only, authenticated by the cluster secret. The public port never executes
/// them, whatever Host header a request carries.
/// </summary>
internal static partial class SiloPortEndpoints
{
    /// <summary>The Kestrel endpoint of the silo port; it is not a public address (the cluster secret guards it).</summary>
    public const string EndpointName = "FabricSiloPort";

    /// <summary>In a cluster, adds the silo port (HTTP/2 only) next to the public addresses.</summary>
    public static void AddSiloPort(this WebApplicationBuilder builder, ListenAddresses publicAddresses)
    {
        var clustering = builder.Configuration.GetSection(ClusteringOptions.Section).Get<ClusteringOptions>() ?? new ClusteringOptions();
        if (!clustering.IsCluster)
        {
            return;
        }

        // Endpoints configured in code replace --urls, so the public ones are declared here too.
        var endpoints = new Dictionary<string, string?>();
        for (var i = 0; i < publicAddresses.Urls.Count; i++)
        {
            endpoints[$"Kestrel:Endpoints:Public{i}:Url"] = publicAddresses.Urls[i];
        }

        endpoints[$"Kestrel:Endpoints:{EndpointName}:Url"] = $"http://0.0.0.0:{clustering.SiloPort}";
        endpoints[$"Kestrel:Endpoints:{EndpointName}:Protocols"] = "Http2";
        builder.Configuration.AddInMemoryCollection(endpoints);
    }

    public static void MapSiloPort(this WebApplication app)
    {
        var clustering = app.Services.GetRequiredService<IOptions<ClusteringOptions>>().Value;
        if (!clustering.IsCluster)
        {
            return;
        }

        var secret = SHA256.HashData(Encoding.UTF8.GetBytes(clustering.ClusterSecret ?? string.Empty));
        var siloPort = clustering.SiloPort;
        app.MapPost(SiloProtocol.CallsPath + "/{grainType}/{method}", (HttpContext context, string grainType, string method, ForwardedCalls calls, ILoggerFactory loggers) =>
            HandleAsync(context, grainType, method, calls, secret, siloPort, loggers.CreateLogger("OrleansFabric.SiloPort")));
        app.MapPost(SiloProtocol.DrainPath, (HttpContext context, ForwardedCalls calls, ILoggerFactory loggers) =>
        {
            if (Authorized(context, secret, siloPort, loggers.CreateLogger("OrleansFabric.SiloPort")))
            {
                calls.Drain();
                context.Response.StatusCode = StatusCodes.Status202Accepted;
            }
        });
    }

    /// <summary>True for a request on the silo port with the cluster secret; otherwise sets the refusal status.</summary>
    private static bool Authorized(HttpContext context, byte[] secret, int siloPort, ILogger logger)
    {
        if (context.Connection.LocalPort != siloPort)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return false;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(context.Request.Headers[SiloProtocol.SecretHeader].ToString()));
        if (!CryptographicOperations.FixedTimeEquals(presented, secret))
        {
            LogBadSecret(logger, context.Connection.RemoteIpAddress?.ToString());
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return false;
        }

        return true;
    }

    private static async Task HandleAsync(HttpContext context, string grainType, string method, ForwardedCalls calls, byte[] secret, int siloPort, ILogger logger)
    {
        var response = context.Response;
        if (!Authorized(context, secret, siloPort, logger))
        {
            return;
        }

        var key = context.Request.Query["key"].ToString();
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        GrainRequest? executed;
        try
        {
            executed = await calls.ExecuteAsync(grainType, key, method, body.GetBuffer().AsMemory(0, (int)body.Length), context.RequestAborted);
        }
        catch (ArgumentException exception)
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            await response.WriteAsync(exception.Message, context.RequestAborted);
            return;
        }

        if (executed is null)
        {
            response.StatusCode = SiloProtocol.NotOwnerStatus;
            return;
        }

        await new GrainOutcomeResult(executed, calls.SerializerOptions).ExecuteAsync(context);
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Refused a silo-to-silo call from {Remote}: wrong cluster secret")]
    private static partial void LogBadSecret(ILogger logger, string? remote);
}
