using Npgsql;
using OrleansFabric.Runtime.Clustering;
using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.PostgreSql;

/// <summary>Membership rows in PostgreSQL, heartbeats on the database clock.</summary>
public sealed class PostgreSqlMembershipTable(NpgsqlDataSource dataSource) : IMembershipTable
{
    /// <inheritdoc/>
    public Task RegisterAsync(string siloId, string endpoint, SiloStatus status, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            async token =>
            {
                await using var command = dataSource.CreateCommand(
                    "insert into fabric_silos (silo_id, endpoint, status, started_at, heartbeat_at) values (@id, @endpoint, @status, @started, now()) " +
                    "on conflict (silo_id) do update set endpoint = excluded.endpoint, status = excluded.status, started_at = excluded.started_at, heartbeat_at = now()");
                command.Parameters.AddWithValue("id", siloId);
                command.Parameters.AddWithValue("endpoint", endpoint);
                command.Parameters.AddWithValue("status", status.ToString());
                command.Parameters.AddWithValue("started", startedAt.UtcDateTime);
                return await command.ExecuteNonQueryAsync(token);
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task HeartbeatAsync(string siloId, SiloStatus status, int activations, CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            async token =>
            {
                await using var command = dataSource.CreateCommand("update fabric_silos set heartbeat_at = now(), status = @status, activations = @activations where silo_id = @id");
                command.Parameters.AddWithValue("id", siloId);
                command.Parameters.AddWithValue("status", status.ToString());
                command.Parameters.AddWithValue("activations", activations);
                return await command.ExecuteNonQueryAsync(token);
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<MembershipEntry>> ReadAllAsync(CancellationToken cancellationToken) =>
        Transient.RetryAsync<IReadOnlyList<MembershipEntry>>(
            async token =>
            {
                await using var command = dataSource.CreateCommand(
                    "select silo_id, endpoint, status, started_at, heartbeat_at, extract(epoch from (now() - heartbeat_at))::float8, activations from fabric_silos");
                var entries = new List<MembershipEntry>();
                await using var reader = await command.ExecuteReaderAsync(token);
                while (await reader.ReadAsync(token))
                {
                    entries.Add(new MembershipEntry(
                        reader.GetString(0),
                        reader.GetString(1),
                        Enum.TryParse<SiloStatus>(reader.GetString(2), out var status) ? status : SiloStatus.Dead,
                        new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero),
                        new DateTimeOffset(reader.GetDateTime(4), TimeSpan.Zero),
                        TimeSpan.FromSeconds(reader.GetDouble(5)),
                        reader.GetInt32(6)));
                }

                return entries;
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<int> RemoveStaleAsync(TimeSpan olderThan, CancellationToken cancellationToken) =>
        Transient.RetryAsync(
            async token =>
            {
                await using var command = dataSource.CreateCommand("delete from fabric_silos where heartbeat_at < now() - @age");
                command.Parameters.AddWithValue("age", olderThan);
                return await command.ExecuteNonQueryAsync(token);
            },
            cancellationToken);
}
