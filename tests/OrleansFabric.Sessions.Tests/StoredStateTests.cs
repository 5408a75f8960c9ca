using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansFabric.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansFabric.Hosting.Delivery;
using OrleansFabric.Sessions.Brains;
using OrleansFabric.Sessions.Journal;
using static OrleansFabric.Sessions.Tests.Messages;

namespace OrleansFabric.Sessions.Tests;

/// <summary>
/// A session's state goes through the "fabric" storage's serializer (Orleans' own, as the silo
/// configures it for memory and ADO.NET alike): everything a session holds must come back from it.
/// </summary>
public sealed class StoredStateTests(SessionsCluster cluster) : IClassFixture<SessionsCluster>
{
    [Fact]
    public void A_session_with_turns_history_and_an_outbox_round_trips_through_the_storage_serializer()
    {
        var silo = cluster.Cluster.GetSiloServiceProvider(cluster.Cluster.Primary!.SiloAddress);
        var serializer = silo.GetRequiredService<IOptionsMonitor<MemoryGrainStorageOptions>>().Get(PersistenceOptions.StorageName).GrainStorageSerializer;
        Assert.IsType<OrleansGrainStorageSerializer>(serializer);
        var at = cluster.Time.GetUtcNow();
        var state = new SessionState();
        state.Accept(new PendingMessage(Message("m1", "hi"), at));
        state.Accept(new PendingMessage(Message("m2", "there"), at));
        state.Outbox.Messages.Add(new OutboxMessage("turn-1", 1, """{"seq":1}""", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

        // Built as SessionGrain.CommitTurnAsync builds them.
        List<PendingMessage> covered = [state.Pending[0]];
        var ids = covered.Select(pending => pending.Message.MessageId).ToList();
        var exchange = new Exchange([.. covered.Select(pending => pending.Message.Text)], "hello");
        state.EndTurn(new TurnRecord("turn-1", 1, TurnRecord.Completed, ids, "hello", null, at, at), exchange, 10, []);

        var restored = serializer.Deserialize<SessionState>(serializer.Serialize(state))!;

        Assert.Equal(["m2"], restored.Pending.Select(pending => pending.Message.MessageId));
        Assert.Equal(["m1", "m2"], restored.RecentMessageIds);
        Assert.True(restored.Remembers("m1"));
        Assert.Equal(("turn-1", 1L, "hello"), (restored.Turns.Single().TurnId, restored.Turns.Single().Seq, restored.Turns.Single().ResponseText));
        Assert.Equal(["m1"], restored.Turns.Single().MessageIds);
        Assert.Equal("hello", restored.History.Single().Response);
        Assert.Equal(["hi"], restored.History.Single().UserTexts);
        Assert.Equal((2L, 1L), (restored.NextSeq, restored.TurnsCompleted));
        Assert.Equal(new OutboxMessage("turn-1", 1, """{"seq":1}""", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), restored.Outbox.Messages.Single());
    }

    [Fact]
    public void A_turn_entry_stored_before_effects_were_journaled_reads_back_as_one_whose_effects_are_carried_when_it_ends()
    {
        var serializer = cluster.Cluster.GetSiloServiceProvider(cluster.Cluster.Primary!.SiloAddress).GetRequiredService<Serializer>();
        var at = cluster.Time.GetUtcNow();
        var turn = new TurnRecord("turn-1", 1, TurnRecord.Cancelled, ["m1"], null, null, at, at, ["paid"]);
        var stored = serializer.SerializeToArray(new TurnEndedBeforeEffectsWereJournaled(turn, null, 10));

        var restored = serializer.Deserialize<TurnEnded>(stored)!;

        Assert.Equal((false, (IReadOnlyList<string>?)null), (restored.EffectsRecorded, restored.Unrecorded));
        Assert.Equal(["paid"], restored.Turn.Effects);
    }

    [Fact]
    public void An_outbox_message_stored_before_messages_kept_a_trace_reads_back_without_one()
    {
        var serializer = cluster.Cluster.GetSiloServiceProvider(cluster.Cluster.Primary!.SiloAddress).GetRequiredService<Serializer>();
        var stored = serializer.SerializeToArray(new OutboxMessageWithoutTrace("turn-1", 1, """{"seq":1}"""));

        var restored = serializer.Deserialize<OutboxMessage>(stored);

        Assert.Equal(new OutboxMessage("turn-1", 1, """{"seq":1}""", TraceParent: null), restored);
    }
}

/// <summary>A turn's journal entry as it was stored before effects were journaled as they happened.</summary>
[GenerateSerializer]
public sealed record TurnEndedBeforeEffectsWereJournaled(TurnRecord Turn, Exchange? Exchange, int KeepTurns);

/// <summary>An outbox message as it was stored before <see cref="OutboxMessage.TraceParent"/> existed.</summary>
[GenerateSerializer]
public sealed record OutboxMessageWithoutTrace(string IdempotencyKey, long Seq, string Body);
