using Npgsql;
using OrleansFabric.Hosting.Persistence;

namespace OrleansFabric.Hosting.Tests;

/// <summary>
/// How <see cref="PostgreSqlJournalStore"/> connects: its few statements are prepared on each
/// connection unless the operator's connection string decides about preparation itself.
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
