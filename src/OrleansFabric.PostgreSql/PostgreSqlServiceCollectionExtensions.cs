using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansFabric.Runtime;
using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Reminders;

namespace OrleansFabric.PostgreSql;

/// <summary>Makes a silo a member of a PostgreSQL cluster.</summary>
public static class PostgreSqlServiceCollectionExtensions
{
    /// <summary>
    /// Registers the PostgreSQL providers (grain state, reminders, membership, leases) over the
    /// configured connection string, and the schema check that runs before the silo joins.
    /// </summary>
    public static IServiceCollection AddFabricPostgreSql(this IServiceCollection services)
    {
        services.AddSingleton(provider => PostgreSqlFabric.CreateDataSource(provider.GetRequiredService<IOptions<ClusteringOptions>>().Value.ConnectionString!));
        services.AddSingleton(provider => new PostgreSqlMetrics(provider.GetRequiredService<IMeterFactory>(), provider.GetRequiredService<TimeProvider>()));
        services.AddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, (provider, _) => new PostgreSqlGrainStorage(
            provider.GetRequiredService<NpgsqlDataSource>(),
            provider.GetRequiredService<SiloState>().SiloId,
            provider.GetRequiredService<PostgreSqlMetrics>()));
        services.AddSingleton<IReminderTable>(provider => new PostgreSqlReminderTable(provider.GetRequiredService<NpgsqlDataSource>(), provider.GetRequiredService<PostgreSqlMetrics>()));
        services.AddSingleton<IMembershipTable>(provider => new PostgreSqlMembershipTable(provider.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<IPartitionLeaseTable>(provider => new PostgreSqlPartitionLeaseTable(provider.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<ISiloStartupTask>(provider => new SchemaStartupTask(
            provider.GetRequiredService<NpgsqlDataSource>(),
            provider.GetRequiredService<IOptions<ClusteringOptions>>().Value.PartitionCount));
        return services;
    }

    private sealed class SchemaStartupTask(NpgsqlDataSource dataSource, int partitionCount) : ISiloStartupTask
    {
        public Task RunAsync(CancellationToken cancellationToken) => PostgreSqlSchema.EnsureAsync(dataSource, partitionCount, cancellationToken);
    }
}
