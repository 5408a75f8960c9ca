using Npgsql;

namespace OrleansFabric.PostgreSql.Tests;

/// <summary>An open transaction holding row locks; disposing it returns its connection to the pool.</summary>
internal sealed class HeldLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public NpgsqlConnection Connection { get; } = connection;

    public NpgsqlTransaction Transaction { get; } = transaction;

    /// <summary>Locks a partition's lease row on a connection of <paramref name="dataSource"/>, so fenced writes to it wait until the transaction ends.</summary>
    public static async Task<HeldLock> OnLeaseAsync(NpgsqlDataSource dataSource, int partition)
    {
        var connection = await dataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand($"select 1 from fabric_leases where partition = {partition} for update", connection, transaction);
        await command.ExecuteScalarAsync();
        return new HeldLock(connection, transaction);
    }

    public Task CommitAsync() => Transaction.CommitAsync();

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
