using System.Text;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.PostgreSql.Tests;

/// <summary>The ETag semantics every grain storage provider has, run against both providers.</summary>
public abstract class GrainStorageContractTests
{
    private static readonly byte[] s_payload = Encoding.UTF8.GetBytes("{\"v\":1}");

    // Not in byte order: a journal is read in append order.
    private static readonly byte[][] s_entries = [Encoding.UTF8.GetBytes("{\"add\":3}"), Encoding.UTF8.GetBytes("{\"add\":1}"), Encoding.UTF8.GetBytes("{\"add\":2}")];
    private readonly GrainId _grain = new(new GrainType("counter"), "contract-" + Guid.NewGuid().ToString("N"));

    protected abstract IGrainStorage Storage { get; }

    [Fact]
    public async Task A_missing_record_reads_as_null()
    {
        Assert.Null(await Storage.ReadAsync(_grain, "s", default));
    }

    [Fact]
    public async Task Insert_succeeds_only_when_no_record_exists()
    {
        var etag = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default));

        Assert.Equal(etag, conflict.StoredETag);
        Assert.Equal(etag, (await Storage.ReadAsync(_grain, "s", default))!.ETag);
    }

    [Fact]
    public async Task Update_succeeds_only_with_the_stored_etag_and_changes_it()
    {
        var first = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);
        var second = await Storage.WriteAsync(_grain, "s", Encoding.UTF8.GetBytes("{\"v\":2}"), first, WriteFence.None, default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(_grain, "s", s_payload, first, WriteFence.None, default));

        Assert.NotEqual(first, second);
        var stored = await Storage.ReadAsync(_grain, "s", default);
        Assert.Equal(second, stored!.ETag);
        Assert.Contains("\"v\": 2", Encoding.UTF8.GetString(stored.Payload.Span).Replace("\"v\":2", "\"v\": 2", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_succeeds_only_with_the_stored_etag_and_a_cleared_etag_never_comes_back()
    {
        var etag = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearAsync(_grain, "s", "999999", WriteFence.None, default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearAsync(_grain, "s", null, WriteFence.None, default));
        await Storage.ClearAsync(_grain, "s", etag, WriteFence.None, default);

        Assert.Null(await Storage.ReadAsync(_grain, "s", default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(_grain, "s", s_payload, etag, WriteFence.None, default));
        var recreated = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);
        Assert.NotEqual(etag, recreated);
    }

    [Fact]
    public async Task Clearing_a_missing_record_without_an_etag_is_fine()
    {
        await Storage.ClearAsync(_grain, "s", null, WriteFence.None, default);

        Assert.Null(await Storage.ReadAsync(_grain, "s", default));
    }

    [Fact]
    public async Task Appends_are_read_back_after_the_payload_in_order_and_each_gives_a_new_etag()
    {
        List<string> etags = [await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default)];
        await Storage.WriteAsync(_grain, "t", s_payload, null, WriteFence.None, default);
        foreach (var entry in s_entries)
        {
            etags.Add(await Storage.AppendAsync(_grain, "s", entry, etags[^1], WriteFence.None, default));
        }

        var stored = await Storage.ReadAsync(_grain, "s", default);

        Assert.Equal(s_payload, stored!.Payload.ToArray());
        Assert.Equal(s_entries, Entries(stored));
        Assert.Equal(etags[^1], stored.ETag);
        Assert.Equal(etags.Count, etags.Distinct().Count());
        Assert.Empty((await Storage.ReadAsync(_grain, "t", default))!.Journal);
    }

    [Fact]
    public async Task An_append_with_a_stale_etag_or_to_a_missing_record_is_rejected_and_changes_nothing()
    {
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.AppendAsync(_grain, "s", s_entries[0], "1", WriteFence.None, default));
        Assert.Null(await Storage.ReadAsync(_grain, "s", default));

        var written = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);
        var appended = await Storage.AppendAsync(_grain, "s", s_entries[0], written, WriteFence.None, default);
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.AppendAsync(_grain, "s", s_entries[1], written, WriteFence.None, default));

        Assert.Equal(appended, conflict.StoredETag);
        var stored = await Storage.ReadAsync(_grain, "s", default);
        Assert.Equal(appended, stored!.ETag);
        Assert.Equal([s_entries[0]], Entries(stored));
    }

    [Fact]
    public async Task A_write_discards_the_journal_and_a_failed_write_or_clear_keeps_it()
    {
        var etag = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);
        etag = await Storage.AppendAsync(_grain, "s", s_entries[0], etag, WriteFence.None, default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(_grain, "s", s_payload, "999999", WriteFence.None, default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearAsync(_grain, "s", "999999", WriteFence.None, default));
        Assert.Equal([s_entries[0]], Entries((await Storage.ReadAsync(_grain, "s", default))!));

        var written = await Storage.WriteAsync(_grain, "s", Encoding.UTF8.GetBytes("{\"v\":2}"), etag, WriteFence.None, default);
        var stored = await Storage.ReadAsync(_grain, "s", default);

        Assert.Equal((written, "{\"v\":2}"), (stored!.ETag, Encoding.UTF8.GetString(stored.Payload.Span)));
        Assert.Empty(stored.Journal);
    }

    [Fact]
    public async Task A_record_cleared_and_written_again_starts_with_an_empty_journal()
    {
        var etag = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);
        etag = await Storage.AppendAsync(_grain, "s", s_entries[0], etag, WriteFence.None, default);

        await Storage.ClearAsync(_grain, "s", etag, WriteFence.None, default);
        var recreated = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);

        var stored = await Storage.ReadAsync(_grain, "s", default);
        Assert.Equal(recreated, stored!.ETag);
        Assert.Empty(stored.Journal);
    }

    [Fact]
    public async Task Of_writers_racing_with_one_etag_exactly_one_wins_and_racing_a_clear_at_most_one_insert_does()
    {
        var etag = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);
        for (var round = 0; round < 20; round++)
        {
            // Eight appends and an update, all expecting the same ETag, at once.
            var expected = etag;
            var writers = Enumerable.Range(0, 8)
                .Select(writer => Task.Run(() => Storage.AppendAsync(_grain, "s", Encoding.UTF8.GetBytes($"[{round},{writer}]"), expected, WriteFence.None, default)))
                .Append(Task.Run(() => Storage.WriteAsync(_grain, "s", s_payload, expected, WriteFence.None, default)))
                .ToArray();
            await Task.WhenAll(writers.Select(writer => writer.ContinueWith(static _ => { }, TaskScheduler.Default)));

            var winner = Assert.Single(writers, writer => writer.IsCompletedSuccessfully);
            Assert.All(writers.Where(writer => writer != winner), writer => Assert.IsType<InconsistentStateException>(writer.Exception!.InnerException));
            etag = await winner;
            Assert.Equal(etag, (await Storage.ReadAsync(_grain, "s", default))!.ETag);
        }

        // A clear racing inserts: the clear succeeds (no insert can while the record exists),
        // at most one insert creates the record again, and what is stored is that insert's.
        var clear = Task.Run(() => Storage.ClearAsync(_grain, "s", etag, WriteFence.None, default));
        var inserts = Enumerable.Range(0, 8).Select(_ => Task.Run(() => Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default))).ToArray();
        await clear;
        await Task.WhenAll(inserts.Select(insert => insert.ContinueWith(static _ => { }, TaskScheduler.Default)));

        var created = new List<string>();
        foreach (var insert in inserts.Where(insert => insert.IsCompletedSuccessfully))
        {
            created.Add(await insert);
        }

        Assert.InRange(created.Count, 0, 1);
        var stored = await Storage.ReadAsync(_grain, "s", default);
        Assert.Equal(created.SingleOrDefault(), stored?.ETag);
        Assert.Empty(stored?.Journal ?? []);
    }

    private static IEnumerable<byte[]> Entries(GrainStateRecord record) => record.Journal.Select(entry => entry.ToArray());
}

public sealed class InMemoryGrainStorageContractTests : GrainStorageContractTests
{
    protected override IGrainStorage Storage { get; } = new InMemoryGrainStorage();
}

public sealed class PostgreSqlGrainStorageContractTests(Database database) : GrainStorageContractTests, IClassFixture<Database>
{
    protected override IGrainStorage Storage { get; } = new PostgreSqlGrainStorage(database.DataSource, "silo-a");

    [Fact]
    public async Task A_clear_leaves_no_journal_rows_behind()
    {
        // Reading cannot tell: a write with no record deletes journal rows left behind too.
        var grain = new GrainId(new GrainType("counter"), "journal-" + Guid.NewGuid().ToString("N"));
        var etag = await Storage.WriteAsync(grain, "s", Encoding.UTF8.GetBytes("{}"), null, WriteFence.None, default);
        etag = await Storage.AppendAsync(grain, "s", Encoding.UTF8.GetBytes("{\"add\":1}"), etag, WriteFence.None, default);

        await Storage.ClearAsync(grain, "s", etag, WriteFence.None, default);

        await using var rows = database.DataSource.CreateCommand("select count(*) from fabric_grain_journal where grain_key = @key");
        rows.Parameters.AddWithValue("key", grain.Key);
        Assert.Equal(0L, (long)(await rows.ExecuteScalarAsync())!);
    }
}
