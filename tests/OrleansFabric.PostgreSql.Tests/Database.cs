using Npgsql;
using OrleansFabric.TestKit;

namespace OrleansFabric.PostgreSql.Tests;

/// <summary>A fresh database on the shared throwaway PostgreSQL, with the schema created (8 partitions).</summary>
public sealed class Database : IAsyncLifetime
{
    public const int Partitions = 8;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        ConnectionString = await server.CreateDatabaseAsync("pgtest");
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        await PostgreSqlSchema.EnsureAsync(DataSource, Partitions, default);
    }

    public async Task DisposeAsync() => await DataSource.DisposeAsync();

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>How many sessions of this database wait for a lock now (a statement blocked by a held row lock shows here).</summary>
    public async Task<long> LockWaitersAsync()
    {
        await using var command = DataSource.CreateCommand("select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Makes <paramref name="owner"/> hold <paramref name="partition"/> at <paramref name="epoch"/> for <paramref name="seconds"/> (negative: expired).</summary>
    public Task SetLeaseAsync(int partition, string? owner, long epoch, int seconds) =>
        ExecuteAsync($"update fabric_leases set owner = {(owner is null ? "null" : $"'{owner}'")}, epoch = {epoch}, expires_at = {(owner is null ? "null" : $"now() + interval '{seconds} seconds'")} where partition = {partition}");
}
