using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace OrleansFabric.Client;

/// <summary>The grain client of pipeline services.</summary>
public static class FabricClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds an Orleans <see cref="IClusterClient"/> (and <see cref="IGrainFactory"/>) that joins the
    /// cluster named by <c>Fabric:Clustering</c> of <paramref name="configuration"/> through its
    /// gateways: Redis or PostgreSQL membership as the silos use, or the embedded silo's gateway
    /// on 127.0.0.1 with the Localhost provider. The client starts and stops with the host.
    /// Its grain calls carry the caller's trace (Orleans' activity propagation: the W3C
    /// traceparent of <see cref="System.Diagnostics.Activity.Current"/> in the request context,
    /// when the service listens to the <c>Microsoft.Orleans.Application</c> source, as a tracer
    /// provider that adds it does), so a batch's webhook POSTs continue the trace of the call
    /// that ended the batch.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names the key.</exception>
    public static IServiceCollection AddFabricClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(ClusteringOptions.Section).Get<ClusteringOptions>() ?? new ClusteringOptions();
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(configuration));
        }

        return services.AddOrleansClient(client => ConfigureClient(client, options).AddActivityPropagation());
    }

    /// <summary>Points <paramref name="client"/> at the cluster <paramref name="options"/> describe.</summary>
    public static IClientBuilder ConfigureClient(IClientBuilder client, ClusteringOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        client.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(options.ResponseTimeoutSeconds));
        if (options.IsProvider(ClusteringOptions.RedisProvider))
        {
            client.UseRedisClustering(redis => redis.ConfigurationOptions = ConfigurationOptions.Parse(options.ConnectionString!));
        }
        else if (options.IsProvider(ClusteringOptions.AdoNetProvider))
        {
            client.UseAdoNetClustering(adoNet =>
            {
                adoNet.Invariant = "Npgsql";
                adoNet.ConnectionString = options.ConnectionString;
            });
        }
        else
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, options.GatewayPort));
        }

        return client;
    }
}
