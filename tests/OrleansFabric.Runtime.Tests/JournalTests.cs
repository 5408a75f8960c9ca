using System.Text.Json;
using OrleansFabric.Runtime.Persistence;
using OrleansFabric.Runtime.Tests.Grains;
using OrleansFabric.TestKit;

namespace OrleansFabric.Runtime.Tests;

/// <summary>Journaled grain state (<see cref="IJournaledState{TState, TEntry}"/>) on the in-memory provider.</summary>
public sealed class JournalTests
{
    private readonly TestProbe _probe = new();

    [Fact]
    public async Task An_append_writes_only_its_entry_and_a_new_activation_replays_the_journal()
    {
        var storage = new InMemoryGrainStorage();
        await using var silo = await Silos.StartAsync(_probe, storage);
        var ledger = silo.GrainFactory.GetGrain<ILedgerGrain>("replayed");

        // The first write creates the record (a snapshot); the next ones are appends.
        await ledger.AddAsync(100);
        var snapshot = (await ReadAsync(storage, "replayed")).Payload.ToArray();
        await ledger.AddAsync(20);
        await ledger.AddAsync(3);

        var record = await ReadAsync(storage, "replayed");
        Assert.Equal(snapshot, record.Payload.ToArray());
        Assert.Equal([[20], [3]], record.Journal.Select(Amounts));

        await ledger.DeactivateAsync();
        Assert.Equal([100, 20, 3], await ledger.GetAmountsAsync());
        await ledger.AddAsync(4);
        Assert.Equal([100, 20, 3, 4], await ledger.GetAmountsAsync());
    }

    [Fact]
    public async Task The_journal_is_folded_into_a_snapshot_once_it_is_as_large_as_the_last_snapshot()
    {
        var storage = new InMemoryGrainStorage();
        await using var silo = await Silos.StartAsync(_probe, storage);
        var ledger = silo.GrainFactory.GetGrain<ILedgerGrain>("folded");
        var snapshots = 0;
        var longestJournal = 0;
        var previous = ReadOnlyMemory<byte>.Empty;
        for (var amount = 1; amount <= 60; amount++)
        {
            await ledger.AddAsync(amount);
            var record = await ReadAsync(storage, "folded");
            var journalBytes = record.Journal.Sum(entry => entry.Length);

            // A snapshot is written when the journal has reached the last snapshot's size, so
            // the journal never exceeds it by more than one entry.
            Assert.True(journalBytes < record.Payload.Length + 16, $"{journalBytes} journal bytes after a {record.Payload.Length}-byte snapshot");
            snapshots += record.Payload.Span.SequenceEqual(previous.Span) ? 0 : 1;
            longestJournal = Math.Max(longestJournal, record.Journal.Count);
            previous = record.Payload.ToArray();
        }

        Assert.InRange(snapshots, 3, 30);
        Assert.True(longestJournal >= 3, $"at most {longestJournal} entries were ever journaled");
        await ledger.DeactivateAsync();
        Assert.Equal(Enumerable.Range(1, 60), await ledger.GetAmountsAsync());
    }

    [Fact]
    public async Task A_journal_of_small_entries_is_folded_after_at_most_256_of_them()
    {
        var storage = new InMemoryGrainStorage();
        await using var silo = await Silos.StartAsync(_probe, storage);
        var ledger = silo.GrainFactory.GetGrain<ILedgerGrain>("long");
        for (var amount = 0; amount < 2000; amount++)
        {
            await ledger.AddAsync(1_000_000 + amount);
        }

        // A snapshot of 2,000 seven-digit amounts outweighs 256 one-digit entries.
        await ledger.SnapshotAsync();
        var snapshot = (await ReadAsync(storage, "long")).Payload.ToArray();
        var folded = false;
        for (var append = 1; append <= 257 && !folded; append++)
        {
            await ledger.AddAsync(1);
            var record = await ReadAsync(storage, "long");
            Assert.True(record.Journal.Count <= 256, $"{record.Journal.Count} journal entries");
            Assert.True(record.Journal.Sum(entry => entry.Length) < snapshot.Length, "the journal outgrew the snapshot");
            folded = !record.Payload.Span.SequenceEqual(snapshot);
        }

        Assert.True(folded, "257 appends after a snapshot were never folded into a new one");
    }

    [Fact]
    public async Task Writing_the_state_folds_every_appended_entry_into_the_snapshot()
    {
        var storage = new InMemoryGrainStorage();
        await using var silo = await Silos.StartAsync(_probe, storage);
        var ledger = silo.GrainFactory.GetGrain<ILedgerGrain>("snapshot");
        await ledger.AddAsync(1000);
        await ledger.AddAsync(1);
        Assert.Single((await ReadAsync(storage, "snapshot")).Journal);

        await ledger.SnapshotAsync();

        var record = await ReadAsync(storage, "snapshot");
        Assert.Empty(record.Journal);
        Assert.Equal([1000, 1], JsonSerializer.Deserialize<JsonElement>(record.Payload.Span).GetProperty("amounts").EnumerateArray().Select(amount => amount.GetInt32()));
    }

    [Fact]
    public async Task Entries_appended_while_a_write_is_in_flight_share_the_next_append()
    {
        var storage = new GatedGrainStorage(new());
        await using var silo = await Silos.StartAsync(_probe, storage);
        var ledger = silo.GrainFactory.GetGrain<ILedgerGrain>("shared");
        await ledger.AddAsync(1000);
        var writesBefore = storage.Writes;
        storage.Close();
        var arrived = storage.WriteArrived.Task;

        var first = ledger.AddAsync(1);
        await arrived;
        var rest = Enumerable.Range(2, 5).Select(ledger.AddAsync).ToArray();
        await PersistenceTests.WaitForTurnsAwaitingCommitAsync(silo, ledger, 6);
        Assert.Equal(writesBefore + 1, storage.Writes);
        storage.Open();

        Assert.Equal(1001, await first);
        await Task.WhenAll(rest);
        Assert.Equal(writesBefore + 2, storage.Writes);
        var record = await storage.Inner.ReadAsync(LedgerId("shared"), "ledger", default);
        Assert.Equal([[1], [2, 3, 4, 5, 6]], record!.Journal.Select(Amounts));
    }

    [Fact]
    public async Task A_failed_append_drops_the_activation_and_the_next_one_has_only_what_is_durable()
    {
        var storage = new FlakyGrainStorage();
        await using var silo = await Silos.StartAsync(_probe, storage);
        var ledger = silo.GrainFactory.GetGrain<ILedgerGrain>("flaky");
        await ledger.AddAsync(5);
        await ledger.AddAsync(6);

        storage.FailNextWrites = 1;
        await Assert.ThrowsAsync<IOException>(() => ledger.AddAsync(7));

        Assert.Equal([5, 6], await ledger.GetAmountsAsync());
        Assert.Equal(12, await ledger.AddAsync(1));
    }

    private static GrainId LedgerId(string key) => new(new GrainType("ledger"), key);

    private static async Task<GrainStateRecord> ReadAsync(InMemoryGrainStorage storage, string key) =>
        await storage.ReadAsync(LedgerId(key), "ledger", default) ?? throw new InvalidOperationException($"No record for ledger '{key}'.");

    private static int[] Amounts(ReadOnlyMemory<byte> entry) =>
        [.. JsonSerializer.Deserialize<JsonElement>(entry.Span).EnumerateArray().Select(item => item.GetProperty("amount").GetInt32())];
}
