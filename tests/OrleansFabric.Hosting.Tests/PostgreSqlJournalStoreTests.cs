using Npgsql;
using OrleansFabric.Hosting.Persistence;
using OrleansFabric.TestKit;

namespace OrleansFabric.Hosting.Tests;

/// <summary>
/// How <see cref="PostgreSqlJournalStore"/> connects: its few statements are prepared on each
/// connection unless the operator's connection string decides about preparation itself, and
/// planned for each batch's own arrays (no generic plan cached while the tables were small).
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
        Assert.Equal("-c plan_cache_mode=force_custom_plan", settings.Options);
    }

    [Fact]
    public async Task The_stores_sessions_plan_every_batch_for_its_own_arrays()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("plans");
        await using var connection = new NpgsqlConnection(PostgreSqlJournalStore.ConnectionSettings(database));
        await connection.OpenAsync();
        await using var show = new NpgsqlCommand("SHOW plan_cache_mode", connection);

        Assert.Equal("force_custom_plan", (string?)await show.ExecuteScalarAsync());
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
