using Npgsql;
using OrleansFabric.TestKit;

namespace OrleansFabric.PostgreSql.Tests;

public sealed class SchemaTests
{
    [Fact]
    public async Task Ten_silos_starting_at_once_create_the_schema_once()
    {
        var server = await PostgresServer.SharedAsync();
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("schema"));

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => PostgreSqlSchema.EnsureAsync(dataSource, 16, default))));

        await using var versions = dataSource.CreateCommand("select count(*) from fabric_schema_version");
        await using var leases = dataSource.CreateCommand("select count(*) from fabric_leases");
        Assert.Equal((long)PostgreSqlSchema.Version, (long)(await versions.ExecuteScalarAsync())!);
        Assert.Equal(16L, (long)(await leases.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_silo_with_another_partition_count_refuses_to_start_naming_the_key()
    {
        var server = await PostgresServer.SharedAsync();
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("schema"));
        await PostgreSqlSchema.EnsureAsync(dataSource, 16, default);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgreSqlSchema.EnsureAsync(dataSource, 32, default));

        Assert.Contains("Fabric:Clustering:PartitionCount is 32", error.Message, StringComparison.Ordinal);
        Assert.Contains("created with 16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upgrading_a_version_1_database_keeps_every_grain_state_readable()
    {
        var server = await PostgresServer.SharedAsync();
        await using var dataSource = NpgsqlDataSource.Create(await server.CreateDatabaseAsync("schema"));
        await using (var v1 = dataSource.CreateCommand(
            "create table fabric_schema_version (version int primary key, applied_at timestamptz not null default now());" +
            PostgreSqlSchema.Migrations[0] +
            ";insert into fabric_schema_version (version) values (1);" +
            "insert into fabric_grain_state (grain_type, grain_key, state_name, partition, payload, etag) values ('counter', 'c1', 's', 3, '{\"count\": 41, \"name\": \"Åsa\"}', 7);"))
        {
            await v1.ExecuteNonQueryAsync();
        }

        await PostgreSqlSchema.EnsureAsync(dataSource, 16, default);
        var storage = new PostgreSqlGrainStorage(dataSource, "silo-a");
        var record = await storage.ReadAsync(new GrainId(new GrainType("counter"), "c1"), "s", default);

        Assert.NotNull(record);
        Assert.Equal("7", record.ETag);
        Assert.Empty(record.Journal);
        using var state = System.Text.Json.JsonDocument.Parse(record.Payload);
        Assert.Equal((41, "Åsa"), (state.RootElement.GetProperty("count").GetInt32(), state.RootElement.GetProperty("name").GetString()));
        await using var version = dataSource.CreateCommand("select max(version) from fabric_schema_version");
        Assert.Equal(PostgreSqlSchema.Version, (int)(await version.ExecuteScalarAsync())!);
    }
}
