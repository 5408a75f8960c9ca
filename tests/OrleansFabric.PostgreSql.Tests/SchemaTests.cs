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
}
