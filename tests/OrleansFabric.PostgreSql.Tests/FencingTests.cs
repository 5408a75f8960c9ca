using System.Text;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.TestKit;

namespace OrleansFabric.PostgreSql.Tests;

public sealed class FencingTests(Database database) : IClassFixture<Database>
{
    private static readonly byte[] s_payload = Encoding.UTF8.GetBytes("{\"v\":1}");
    private readonly PostgreSqlGrainStorage _siloA = new(database.DataSource, "silo-a");

    private static GrainId NewGrain() => new(new GrainType("counter"), Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_write_under_the_held_lease_and_epoch_succeeds()
    {
        await database.SetLeaseAsync(1, "silo-a", 3, 60);

        var etag = await _siloA.WriteAsync(NewGrain(), "s", s_payload, null, new WriteFence(1, 3), default);

        Assert.False(string.IsNullOrEmpty(etag));
    }

    /// <summary>Partition leases silo-a held at epoch 3 and lost: the owner, epoch and seconds left after, and the reason reported.</summary>
    public static TheoryData<string, long, int, string> LostLeases { get; } = new()
    {
        { "silo-b", 3, 60, "held by 'silo-b'" },
        { "silo-a", 4, 60, "at epoch 4" },
        { "silo-a", 3, -1, "(expired)" },
    };

    [Theory]
    [MemberData(nameof(LostLeases))]
    public async Task A_write_without_the_lease_at_its_epoch_is_rejected_and_changes_nothing(string owner, long epoch, int seconds, string reason)
    {
        var grain = NewGrain();
        await database.SetLeaseAsync(2, "silo-a", 3, 60);
        var etag = await _siloA.WriteAsync(grain, "s", s_payload, null, new WriteFence(2, 3), default);
        await database.SetLeaseAsync(2, owner, epoch, seconds);

        var rejected = await Assert.ThrowsAsync<InconsistentStateException>(() =>
            _siloA.WriteAsync(grain, "s", Encoding.UTF8.GetBytes("{\"v\":2}"), etag, new WriteFence(2, 3), default));

        Assert.Contains(reason, rejected.Message, StringComparison.Ordinal);
        Assert.Equal(etag, (await _siloA.ReadAsync(grain, "s", default))!.ETag);
    }

    [Theory]
    [MemberData(nameof(LostLeases))]
    public async Task An_append_or_a_clear_without_the_lease_at_its_epoch_is_rejected_and_changes_nothing(string owner, long epoch, int seconds, string reason)
    {
        var grain = NewGrain();
        var fence = new WriteFence(4, 3);
        var held = Encoding.UTF8.GetBytes("{\"add\":1}");
        await database.SetLeaseAsync(4, "silo-a", 3, 60);
        var etag = await _siloA.WriteAsync(grain, "s", s_payload, null, fence, default);
        etag = await _siloA.AppendAsync(grain, "s", held, etag, fence, default);
        await database.SetLeaseAsync(4, owner, epoch, seconds);

        var rejected = await Assert.ThrowsAsync<InconsistentStateException>(() =>
            _siloA.AppendAsync(grain, "s", Encoding.UTF8.GetBytes("{\"add\":2}"), etag, fence, default));

        Assert.Contains(reason, rejected.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InconsistentStateException>(() => _siloA.ClearAsync(grain, "s", etag, fence, default));
        var stored = await _siloA.ReadAsync(grain, "s", default);
        Assert.Equal(etag, stored!.ETag);
        Assert.Equal([held], stored.Journal.Select(entry => entry.ToArray()));
    }

    [Fact]
    public async Task A_takeover_waits_for_a_fenced_write_in_flight_to_commit()
    {
        await database.SetLeaseAsync(3, "silo-a", 5, -1);
        var leases = new PostgreSqlPartitionLeaseTable(database.DataSource);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var inFlight = await connection.BeginTransactionAsync();
        await using (var share = new Npgsql.NpgsqlCommand("select 1 from fabric_leases where partition = 3 for share", connection, inFlight))
        {
            await share.ExecuteScalarAsync();
        }

        var takeover = leases.TryAcquireAsync("silo-b", [3], 1, TimeSpan.FromSeconds(6), default);
        await Eventually.PollAsync(async () => await database.LockWaitersAsync() > 0, "the takeover to wait for the lease row", TimeSpan.FromSeconds(30));

        Assert.False(takeover.IsCompleted);
        await inFlight.CommitAsync();
        var taken = Assert.Single(await takeover);
        Assert.Equal(("silo-b", 6L), (taken.Owner, taken.Epoch));
    }
}
