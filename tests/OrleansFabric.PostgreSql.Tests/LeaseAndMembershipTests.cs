using Npgsql;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.Runtime.Reminders;

namespace OrleansFabric.PostgreSql.Tests;

public sealed class LeaseAndMembershipTests(Database database) : IClassFixture<Database>
{
    private readonly PostgreSqlPartitionLeaseTable _leases = new(database.DataSource);

    [Fact]
    public async Task Acquire_takes_only_free_or_expired_partitions_up_to_max_and_bumps_their_epochs()
    {
        await database.SetLeaseAsync(4, null, 0, 0);
        await database.SetLeaseAsync(5, "silo-x", 2, -5);
        await database.SetLeaseAsync(6, "silo-x", 7, 60);
        await database.SetLeaseAsync(7, null, 1, 0);

        var acquired = await _leases.TryAcquireAsync("silo-y", [4, 5, 6, 7], 2, TimeSpan.FromSeconds(6), default);

        Assert.Equal([(4, 1L), (5, 3L)], acquired.Select(lease => (lease.Partition, lease.Epoch)));
        var all = await _leases.ReadAllAsync(default);
        Assert.Equal("silo-x", all.Single(lease => lease.Partition == 6).Owner);
        Assert.Null(all.Single(lease => lease.Partition == 7).Owner);
        Assert.InRange(all.Single(lease => lease.Partition == 4).Remaining!.Value.TotalSeconds, 4, 6.5);
    }

    [Fact]
    public async Task Renew_extends_only_leases_still_held_and_release_frees_them_at_once()
    {
        await database.SetLeaseAsync(0, "silo-r", 1, 2);
        await database.SetLeaseAsync(1, "silo-r", 1, -1);
        await database.SetLeaseAsync(2, "silo-other", 1, 60);

        var renewed = await _leases.RenewAsync("silo-r", [0, 1, 2], TimeSpan.FromSeconds(30), default);
        await _leases.ReleaseAsync("silo-r", [0], default);

        Assert.Equal([0], renewed.Select(lease => lease.Partition));
        Assert.InRange(renewed[0].Remaining!.Value.TotalSeconds, 25, 31);
        var released = (await _leases.ReadAllAsync(default)).Single(lease => lease.Partition == 0);
        Assert.Null(released.Owner);
        Assert.Equal(1, released.Epoch);
    }

    [Fact]
    public async Task Membership_rows_carry_status_endpoint_and_a_heartbeat_age_on_the_database_clock()
    {
        var membership = new PostgreSqlMembershipTable(database.DataSource);
        var id = "silo-" + Guid.NewGuid().ToString("N")[..8];
        await membership.RegisterAsync(id, "127.0.0.1:11111", SiloStatus.Joining, DateTimeOffset.UtcNow, default);
        await database.ExecuteAsync($"update fabric_silos set heartbeat_at = now() - interval '30 seconds' where silo_id = '{id}'");
        var stale = (await membership.ReadAllAsync(default)).Single(entry => entry.SiloId == id);

        await membership.HeartbeatAsync(id, SiloStatus.Active, 12, default);
        var fresh = (await membership.ReadAllAsync(default)).Single(entry => entry.SiloId == id);

        Assert.InRange(stale.HeartbeatAge.TotalSeconds, 29, 40);
        Assert.Equal((SiloStatus.Active, 12, "127.0.0.1:11111"), (fresh.Status, fresh.Activations, fresh.Endpoint));
        Assert.InRange(fresh.HeartbeatAge.TotalSeconds, -1, 5);
    }

    [Fact]
    public async Task Removing_stale_members_deletes_only_rows_whose_heartbeat_is_older_than_the_retention()
    {
        var membership = new PostgreSqlMembershipTable(database.DataSource);
        var (old, recent) = ("silo-" + Guid.NewGuid().ToString("N")[..8], "silo-" + Guid.NewGuid().ToString("N")[..8]);
        await membership.RegisterAsync(old, "10.0.0.1:11111", SiloStatus.Active, DateTimeOffset.UtcNow, default);
        await membership.RegisterAsync(recent, "10.0.0.2:11111", SiloStatus.Active, DateTimeOffset.UtcNow, default);
        await database.ExecuteAsync($"update fabric_silos set heartbeat_at = now() - interval '61 minutes' where silo_id = '{old}'");
        await database.ExecuteAsync($"update fabric_silos set heartbeat_at = now() - interval '59 minutes' where silo_id = '{recent}'");

        var removed = await membership.RemoveStaleAsync(TimeSpan.FromMinutes(60), default);

        var ids = (await membership.ReadAllAsync(default)).Select(entry => entry.SiloId).ToList();
        Assert.DoesNotContain(old, ids);
        Assert.Contains(recent, ids);
        Assert.True(removed >= 1, $"removed {removed}");
    }

    [Fact]
    public async Task Reminders_are_stored_by_partition_and_removed_only_with_their_etag()
    {
        var table = new PostgreSqlReminderTable(database.DataSource);
        var grain = new GrainId(new GrainType("worker"), Guid.NewGuid().ToString("N"));
        var start = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
        var first = await table.UpsertAsync(new ReminderEntry(grain, "r", start, TimeSpan.FromMinutes(1), 3, string.Empty), default);
        var second = await table.UpsertAsync(new ReminderEntry(grain, "r", start.AddHours(1), TimeSpan.Zero, 3, string.Empty), default);

        var stored = (await table.ReadPartitionsAsync([3], default)).Single(entry => entry.GrainId == grain);

        Assert.Equal((start.AddHours(1), TimeSpan.Zero, second), (stored.StartAt, stored.Period, stored.ETag));
        Assert.DoesNotContain(await table.ReadPartitionsAsync([2], default), entry => entry.GrainId == grain);
        Assert.False(await table.RemoveAsync(grain, "r", first, default));
        Assert.True(await table.RemoveAsync(grain, "r", second, default));
        Assert.DoesNotContain(await table.ReadPartitionsAsync([3], default), entry => entry.GrainId == grain);
    }
}
