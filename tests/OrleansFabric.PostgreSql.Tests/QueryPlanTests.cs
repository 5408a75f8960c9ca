using System.Text;
using Npgsql;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.TestKit;

namespace OrleansFabric.PostgreSql.Tests;

/// <summary>
/// A silo prepares its statements once per connection, and PostgreSQL soon runs a prepared
/// statement with a generic plan, kept until the table's statistics change. A plan made while the
/// grain state table was small must still find records by index once it is large.
/// </summary>
public sealed class QueryPlanTests
{
    private static readonly byte[] s_payload = Encoding.UTF8.GetBytes("{\"v\":1}");

    [Fact]
    public async Task Updates_and_appends_planned_on_a_small_table_never_scan_it_once_it_is_large()
    {
        var server = await PostgresServer.SharedAsync();
        var connectionString = await server.CreateDatabaseAsync("plans");

        // One connection, as prepared statements and their plans belong to a connection.
        await using var dataSource = PostgreSqlFabric.CreateDataSource(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 1 }.ConnectionString);
        await PostgreSqlSchema.EnsureAsync(dataSource, 8, default);
        var storage = new PostgreSqlGrainStorage(dataSource, "silo-a");
        var grains = Enumerable.Range(0, 3).Select(i => new GrainId(new GrainType("counter"), $"early-{i}")).ToArray();
        var etags = new string[grains.Length];
        for (var i = 0; i < grains.Length; i++)
        {
            etags[i] = await storage.WriteAsync(grains[i], "s", s_payload, null, WriteFence.None, default);
        }

        // Enough executions for the statement to be prepared and for PostgreSQL to settle on a plan.
        for (var round = 0; round < 20; round++)
        {
            etags = await Task.WhenAll(grains.Select((grain, i) => round % 2 == 0
                ? storage.AppendAsync(grain, "s", s_payload, etags[i], WriteFence.None, default)
                : storage.WriteAsync(grain, "s", s_payload, etags[i], WriteFence.None, default)));
        }

        await using (var grow = dataSource.CreateCommand(
            "insert into fabric_grain_state (grain_type, grain_key, state_name, partition, payload, etag) " +
            "select 'counter', 'later-' || g, 's', 0, convert_to(repeat('x', 1000), 'UTF8'), nextval('fabric_etag_seq') from generate_series(1, 20000) g"))
        {
            await grow.ExecuteNonQueryAsync();
        }

        var (seqScansBefore, indexScansBefore) = await ScansAsync(dataSource);
        for (var round = 0; round < 10; round++)
        {
            etags = await Task.WhenAll(grains.Select((grain, i) => round % 2 == 0
                ? storage.AppendAsync(grain, "s", s_payload, etags[i], WriteFence.None, default)
                : storage.WriteAsync(grain, "s", s_payload, etags[i], WriteFence.None, default)));
        }

        var (seqScans, indexScans) = await ScansAsync(dataSource);
        Assert.True(indexScans - indexScansBefore >= 10 * grains.Length, $"{indexScans - indexScansBefore} index scans for {10 * grains.Length} changes");
        Assert.Equal(seqScansBefore, seqScans);
    }

    /// <summary>
    /// Scans of the grain state table so far. A backend reports its statistics when idle, at most
    /// once a second unless told to: the data source's one connection is the storage's, so this
    /// makes it report everything the storage did first.
    /// </summary>
    private static async Task<(long SeqScans, long IndexScans)> ScansAsync(NpgsqlDataSource dataSource)
    {
        await using (var flush = dataSource.CreateCommand("select pg_stat_force_next_flush()"))
        {
            await flush.ExecuteNonQueryAsync();
        }

        await using var command = dataSource.CreateCommand("select seq_scan, coalesce(idx_scan, 0) from pg_stat_user_tables where relname = 'fabric_grain_state'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
