using Npgsql;
using OrleansFabric.Hosting.Persistence;
using OrleansFabric.TestKit;

namespace OrleansFabric.Hosting.Tests;

/// <summary>
/// The schema the silo creates at start-up on a real PostgreSQL: the tables and the
/// <c>OrleansQuery</c> rows Orleans' ADO.NET providers read, idempotent under concurrent silos.
/// </summary>
public sealed class PostgreSqlSchemaTests
{
    private static readonly string[] s_queryKeys =
    [
        "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey", "UpdateIAmAlivetimeKey",
        "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task An_empty_database_gets_every_query_the_providers_read()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("schema");

        await PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.All, CancellationToken.None);

        Assert.Equal(s_queryKeys.Order(StringComparer.Ordinal), await QueryKeysAsync(database));
        Assert.Equal(
            ["fabric_journal", "fabric_journal_entry", "orleans_fabric_schema", "orleans_grain_state", "orleans_membership", "orleans_membership_version", "orleans_reminder", "orleansquery"],
            await ScalarsAsync(database, "select table_name from information_schema.tables where table_schema = 'public' order by table_name"));
    }

    [Fact]
    public async Task Silos_starting_at_once_create_the_schema_once_without_errors()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("schema");

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.All, CancellationToken.None))));
        await PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.All, CancellationToken.None);

        Assert.Equal(s_queryKeys.Order(StringComparer.Ordinal), await QueryKeysAsync(database));
    }

    [Fact]
    public async Task Only_the_parts_asked_for_are_created()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("schema");

        await PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.Persistence, CancellationToken.None);

        Assert.Equal(["ClearStorageKey", "DeleteStorageKey", "ReadFromStorageKey", "WriteToStorageKey"], await QueryKeysAsync(database));
    }

    [Fact]
    public async Task A_query_text_changed_by_hand_is_migrated_back_at_the_next_start()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("schema");
        await PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.All, CancellationToken.None);
        var original = (await ScalarsAsync(database, "select querytext from orleansquery where querykey = 'WriteToStorageKey'")).Single();
        await ExecuteAsync(database, "update orleansquery set querytext = 'select 1' where querykey = 'WriteToStorageKey'");

        await PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.All, CancellationToken.None);

        Assert.Equal(original, (await ScalarsAsync(database, "select querytext from orleansquery where querykey = 'WriteToStorageKey'")).Single());
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_silo_is_left_alone()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("schema");
        await PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.All, CancellationToken.None);
        await ExecuteAsync(database, $"update orleans_fabric_schema set version = {PostgreSqlSchema.Version + 1}");
        await ExecuteAsync(database, "update orleansquery set querytext = 'newer' where querykey = 'WriteToStorageKey'");

        await PostgreSqlSchema.EnsureAsync(database, PostgreSqlSchemaParts.All, CancellationToken.None);

        Assert.Equal("newer", (await ScalarsAsync(database, "select querytext from orleansquery where querykey = 'WriteToStorageKey'")).Single());
    }

    private static async Task<List<string>> QueryKeysAsync(string database) =>
        await ScalarsAsync(database, "select querykey from orleansquery order by querykey collate \"C\"");

    private static async Task<List<string>> ScalarsAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
