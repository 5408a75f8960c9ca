using OrleansFabric.Hosting.Persistence;

namespace OrleansFabric.Hosting.Tests;

/// <summary>
/// The embedded store keeps each journal as one array (the snapshot, then each entry after its
/// length): what is read back is what was written, across the array's growth and a clear, and an
/// idle grain's journal costs little more than its bytes.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class MemoryJournalStoreTests
{
    [Fact]
    public async Task Entries_read_back_in_order_after_the_snapshot_however_the_journal_grew()
    {
        var store = new MemoryJournalStore();
        var snapshot = Bytes(300, 1);
        var version = await store.ReplaceAsync("k", 0, snapshot);
        var written = new List<byte[]>();

        // Small entries and large ones, one at a time and three at once: the array grows to the
        // exact size while small, then by half again (past 4 KiB), and never loses a byte.
        for (var i = 0; i < 200; i++)
        {
            IReadOnlyList<byte[]> entries = i % 10 == 0 ? [Bytes(i * 7, i), [], Bytes(5, i + 1)] : [Bytes(i % 3 == 0 ? 700 : 40, i)];
            version = await store.AppendAsync("k", version, entries);
            written.AddRange(entries);
        }

        var stored = await store.ReadAsync("k");

        Assert.NotNull(stored);
        Assert.Equal(1 + written.Count, stored.Version);
        Assert.Equal(snapshot, stored.Snapshot);
        Assert.Equal(written, stored.Entries);
    }

    [Fact]
    public async Task A_new_snapshot_drops_the_entries_and_a_cleared_journal_has_none()
    {
        var store = new MemoryJournalStore();
        var version = await store.ReplaceAsync("k", 0, Bytes(100, 1));
        version = await store.AppendAsync("k", version, [Bytes(10, 2), Bytes(20, 3)]);
        version = await store.ReplaceAsync("k", version, Bytes(120, 4));

        var replaced = await store.ReadAsync("k");
        Assert.Equal(Bytes(120, 4), replaced!.Snapshot);
        Assert.Empty(replaced.Entries);

        version = await store.AppendAsync("k", version, [Bytes(10, 5)]);
        version = await store.ReplaceAsync("k", version, null);

        var cleared = await store.ReadAsync("k");
        Assert.Equal(version, cleared!.Version);
        Assert.Null(cleared.Snapshot);
        Assert.Empty(cleared.Entries);
        Assert.Null(await store.ReadAsync("never-written"));
    }

    [Fact]
    public async Task An_idle_journal_costs_its_bytes_and_little_more()
    {
        const int Journals = 10_000;
        const int Payload = 400 + 120 + 150; // an idle session: its first snapshot, the accept and the turn
        var keys = Enumerable.Range(0, Journals).Select(i => $"service/session/session/t:a:i{i}:sms").ToArray();
        var store = new MemoryJournalStore();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        foreach (var key in keys)
        {
            var version = await store.ReplaceAsync(key, 0, new byte[400]);
            version = await store.AppendAsync(key, version, [new byte[120]]);
            await store.AppendAsync(key, version, [new byte[150]]);
        }

        var perJournal = (GC.GetTotalMemory(forceFullCollection: true) - before) / (double)Journals;
        GC.KeepAlive(store);

        // The bytes, a length each, the journal and its dictionary entry (about 130 bytes); an
        // array per entry in a list cost about 250.
        Assert.InRange(perJournal, Payload, Payload + 180);
    }

    private static byte[] Bytes(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)(i + seed))];
}
