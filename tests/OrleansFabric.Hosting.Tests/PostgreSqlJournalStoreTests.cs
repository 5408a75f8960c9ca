using Npgsql;
using OrleansFabric.Hosting.Persistence;
using OrleansFabric.TestKit;

namespace OrleansFabric.Hosting.Tests;

/// <summary>
/// How <see cref="PostgreSqlJournalStore"/> connects: its few statements are prepared on each
/// connection unless the operator's connection string decides about preparation itself, planned
/// once per connection, and that plan never scans a table whole, even one made while the tables
/// were empty; and it keeps one batch at the server at a time.
/// </summary>
public sealed class PostgreSqlJournalStoreTests
{
    [Fact]
    public void The_store_prepares_its_statements_when_the_connection_string_does_not_say()
    {
        var settings = new NpgsqlConnectionStringBuilder(PostgreSqlJournalStore.ConnectionSettings("Host=db;Database=fabric;Maximum Pool Size=20"));

        Assert.Equal(PostgreSqlJournalStore.AutoPrepared, settings.MaxAutoPrepare);
        Assert.Equal(20, settings.MaxPoolSize);
        Assert.Equal("db", settings.Host);
        Assert.Equal("-c plan_cache_mode=force_generic_plan -c enable_seqscan=off", settings.Options);
    }

    [Fact]
    public async Task The_stores_sessions_plan_each_statement_once_and_never_scan_a_table_whole()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("plans");
        await using var connection = new NpgsqlConnection(PostgreSqlJournalStore.ConnectionSettings(database));
        await connection.OpenAsync();
        await using var show = new NpgsqlCommand("SELECT current_setting('plan_cache_mode') || ' ' || current_setting('enable_seqscan')", connection);

        Assert.Equal("force_generic_plan off", (string?)await show.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Reads_appends_and_snapshots_reach_rows_through_the_keys_even_on_tables_that_started_empty()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("scans");
        await PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.Journal, CancellationToken.None);
        var store = new PostgreSqlJournalStore(database);
        try
        {
            // Enough operations of every kind that each connection prepares its statements and reuses their plans.
            foreach (var key in Enumerable.Range(0, 8).Select(i => $"session/{i}"))
            {
                Assert.Null(await store.ReadAsync(key));
                var version = await store.AppendAsync(key, 0, [[1], [2]]);
                for (var turn = 0; turn < 6; turn++)
                {
                    version = await store.AppendAsync(key, version, [[(byte)turn]]);
                    Assert.Equal(version, (await store.ReadAsync(key))!.Version);
                }

                version = await store.ReplaceAsync(key, version, [9]);
                Assert.Equal(version + 1, await store.AppendAsync(key, version, [[3]]));
            }
        }
        finally
        {
            // Closing the store's connections ends their server processes, which report their table statistics as they exit.
            await store.DisposeAsync();
        }

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        var scans = default((long SequentialRows, long Indexed));
        await Eventually.PollAsync(
            async () => (scans = await ScansAsync(connection)).Indexed > 0,
            "the store's table statistics",
            TimeSpan.FromSeconds(30));

        // Rows read by sequential scans: building the primary keys when the tables were created
        // counts as a sequential scan of each (still empty) table, so the scans are not counted, their rows are.
        Assert.Equal(0, scans.SequentialRows);
    }

    [Fact]
    public async Task Operations_arriving_while_a_batch_is_at_the_server_wait_for_it_and_go_together_on_one_connection()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("lane");
        await PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.Journal, CancellationToken.None);
        const string Name = "journal-store-lane";
        var store = new PostgreSqlJournalStore(new NpgsqlConnectionStringBuilder(database) { ApplicationName = Name }.ConnectionString);
        int connections;
        try
        {
            // 64 writers, each appending to its own journal as soon as its previous append
            // committed: new operations keep arriving while a batch is at the server.
            const int Writers = 64;
            const int Appends = 40;
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(async writer =>
            {
                var version = 0L;
                for (var append = 0; append < Appends; append++)
                {
                    version = await store.AppendAsync($"session/{writer}", version, [[(byte)append]]);
                }
            }));

            Assert.True(store.RoundTrips < Writers * Appends / 2, $"{Writers * Appends} appends took {store.RoundTrips} round trips");

            // Every connection the store opened is still in its pool, so the server still serves it.
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand($"SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND application_name = '{Name}'", connection);
            connections = (int)(await count.ExecuteScalarAsync())!;
        }
        finally
        {
            await store.DisposeAsync();
        }

        Assert.Equal(1, connections);
    }

    private static async Task<(long SequentialRows, long Indexed)> ScansAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(sum(seq_tup_read), 0)::bigint, coalesce(sum(idx_scan), 0)::bigint FROM pg_stat_user_tables WHERE relname IN ('fabric_journal', 'fabric_journal_entry')",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    [Fact]
    public void Options_in_the_connection_string_are_kept()
    {
        var settings = new NpgsqlConnectionStringBuilder(PostgreSqlJournalStore.ConnectionSettings("Host=db;Options=-c statement_timeout=5000"));

        Assert.Equal("-c statement_timeout=5000", settings.Options);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;MaxAutoPrepare=3", 3)]
    [InlineData("Host=db;max auto prepare=40", 40)]
    public void A_connection_string_that_sets_preparation_is_obeyed(string connectionString, int prepared)
    {
        var settings = new NpgsqlConnectionStringBuilder(PostgreSqlJournalStore.ConnectionSettings(connectionString));

        Assert.Equal(prepared, settings.MaxAutoPrepare);
    }
}
