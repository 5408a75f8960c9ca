using Npgsql;
using OrleansFabric.Runtime.Clustering;

namespace OrleansFabric.PostgreSql;

/// <summary>Partition leases in PostgreSQL; every time is the database's clock.</summary>
public sealed class PostgreSqlPartitionLeaseTable(NpgsqlDataSource dataSource) : IPartitionLeaseTable
{
    private const string Columns = "partition, owner, epoch, extract(epoch from (expires_at - now()))::float8";
    private const string LeaseColumns = "l.partition, l.owner, l.epoch, extract(epoch from (l.expires_at - now()))::float8";

    /// <inheritdoc/>
    public Task<IReadOnlyList<PartitionLease>> ReadAllAsync(CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            async token =>
            {
                await using var command = dataSource.CreateCommand($"select {Columns} from fabric_leases order by partition");
                return await ReadLeasesAsync(command, token);
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<PartitionLease>> RenewAsync(string siloId, IReadOnlyCollection<int> partitions, TimeSpan ttl, CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            async token =>
            {
                // An expired lease is not renewed: the silo must take it again, which bumps the epoch.
                // Rows are locked in partition order, the order batched writes take them in.
                await using var command = dataSource.CreateCommand(
                    "with locked as (select partition from fabric_leases where owner = @silo and partition = any(@partitions) and expires_at > now() order by partition for update) " +
                    $"update fabric_leases l set expires_at = now() + @ttl from locked where l.partition = locked.partition returning {LeaseColumns}");
                command.Parameters.AddWithValue("ttl", ttl);
                command.Parameters.AddWithValue("silo", siloId);
                command.Parameters.AddWithValue("partitions", partitions.ToArray());
                return await ReadLeasesAsync(command, token);
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<PartitionLease>> TryAcquireAsync(string siloId, IReadOnlyCollection<int> candidates, int max, TimeSpan ttl, CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            async token =>
            {
                // The row lock waits for fenced writes holding the lease row FOR SHARE to commit;
                // the condition is re-checked after the wait, so two silos never take one partition.
                // The candidates are chosen in the caller's order, then locked in partition order
                // (the order batched writes take them in), so a takeover and a batch never deadlock.
                await using var command = dataSource.CreateCommand(
                    "with wanted as (select partition from fabric_leases where partition = any(@partitions) and (owner is null or expires_at <= now()) " +
                    "order by array_position(@partitions, partition) limit @max), " +
                    "taken as (select l.partition from fabric_leases l join wanted w on w.partition = l.partition where l.owner is null or l.expires_at <= now() order by l.partition for update of l) " +
                    "update fabric_leases l set owner = @silo, epoch = l.epoch + 1, expires_at = now() + @ttl from taken where l.partition = taken.partition " +
                    $"returning {LeaseColumns}");
                command.Parameters.AddWithValue("partitions", candidates.ToArray());
                command.Parameters.AddWithValue("max", max);
                command.Parameters.AddWithValue("silo", siloId);
                command.Parameters.AddWithValue("ttl", ttl);
                return await ReadLeasesAsync(command, token);
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task ReleaseAsync(string siloId, IReadOnlyCollection<int> partitions, CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            async token =>
            {
                await using var command = dataSource.CreateCommand(
                    "with locked as (select partition from fabric_leases where owner = @silo and partition = any(@partitions) order by partition for update) " +
                    "update fabric_leases l set owner = null, expires_at = null from locked where l.partition = locked.partition");
                command.Parameters.AddWithValue("silo", siloId);
                command.Parameters.AddWithValue("partitions", partitions.ToArray());
                return await command.ExecuteNonQueryAsync(token);
            },
            cancellationToken);

    private static async Task<IReadOnlyList<PartitionLease>> ReadLeasesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var leases = new List<PartitionLease>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            leases.Add(new PartitionLease(
                reader.GetInt32(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.GetInt64(2),
                reader.IsDBNull(3) ? null : TimeSpan.FromSeconds(reader.GetDouble(3))));
        }

        return leases;
    }
}
