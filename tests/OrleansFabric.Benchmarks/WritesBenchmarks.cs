using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Bytes written per accepted message with 10 and with 1,000 turns of history, on a
/// PostgreSQL-durable silo with the fabric's journaled storage and with Orleans' ADO.NET
/// storage, side by side on one throwaway PostgreSQL. Per message: the write-ahead log
/// PostgreSQL generated (everything the database wrote for it: rows, indexes, TOAST) and, for
/// the journal, the grain-state bytes the silo sent (<c>fabric_storage_written_bytes_total</c>).
/// Each message is answered before the next is sent, so every message is one accept write and
/// one turn commit.
/// </summary>
internal static class WritesBenchmarks
{
    private static readonly string[] s_storages = ["Journal", "Orleans"];

    public static async Task<int> RunAsync(Options options)
    {
        var measured = options.Int("messages", 200);
        int[] histories = [10, options.Int("long-history", 1000)];
        await using var server = await PostgresServer.StartAsync();
        var rows = new List<string>();
        foreach (var storage in s_storages)
        {
            var database = await server.CreateDatabaseAsync("writes");
            await using var silo = await BenchSilo.StartReadyAsync(new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Fabric__Persistence__Provider"] = "AdoNet",
                ["Fabric__Persistence__ConnectionString"] = database,
                ["Fabric__Persistence__GrainStorage"] = storage,
                ["Fabric__Sessions__Channels__sms__Strategy"] = "queue",
                ["Fabric__Sessions__Brain__Kind"] = "echo",
                ["Fabric__Sessions__Brain__DelayMs"] = "0",
            });
            using var http = new HttpClient { BaseAddress = silo.Address, Timeout = TimeSpan.FromSeconds(30) };
            var perMessage = new List<(double Wal, double Payload)>();
            foreach (var history in histories)
            {
                var user = $"{storage}-{history}";
                await ConverseAsync(http, user, 1, history);
                var walBefore = await WalPositionAsync(database);
                var payloadBefore = await PayloadBytesAsync(http);
                await ConverseAsync(http, user, history + 1, measured);
                var wal = (await WalBytesSinceAsync(database, walBefore)) / (double)measured;
                var payload = (await PayloadBytesAsync(http) - payloadBefore) / (double)measured;
                perMessage.Add((wal, payload));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{storage}, {history:N0} turns of history: {wal:N0} B of WAL per message, {payload:N0} B of grain state sent per message (journal only), over {measured} messages"));
            }

            await silo.StopAsync();
            var (shortWal, shortPayload) = perMessage[0];
            var (longWal, longPayload) = perMessage[1];
            rows.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"| {storage} | {shortWal:N0} | {longWal:N0} | {longWal / shortWal:F2}x | {(shortPayload > 0 ? shortPayload.ToString("N0", CultureInfo.InvariantCulture) : "-")} | {(longPayload > 0 ? longPayload.ToString("N0", CultureInfo.InvariantCulture) : "-")} | {(shortPayload > 0 ? (longPayload / shortPayload).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-")} |"));
        }

        Console.WriteLine();
        Console.WriteLine($"| grain storage | WAL B/message, 10 turns | WAL B/message, {histories[1]:N0} turns | ratio | state B/message, 10 turns | state B/message, {histories[1]:N0} turns | ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    /// <summary>Sends <paramref name="count"/> messages to one sms session, each answered before the next.</summary>
    private static async Task ConverseAsync(HttpClient http, string user, int first, int count)
    {
        var session = Uri.EscapeDataString($"bench:writes:{user}:sms");
        for (var i = first; i < first + count; i++)
        {
            using var accepted = await http.PostAsJsonAsync("/v1/messages", new { message_id = $"{user}-{i}", tenant_id = "bench", agent_id = "writes", interlocutor_id = user, channel = "sms", text = $"message number {i} of a long conversation" });
            if (accepted.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"message {i} was not accepted: {(int)accepted.StatusCode} {await accepted.Content.ReadAsStringAsync()}");
            }

            // The turn answering it (seq i, one message per turn with the queue strategy).
            var turns = await http.GetFromJsonAsync<JsonElement>($"/v1/sessions/{session}/turns?after={i - 1}&wait_seconds=10");
            if (turns.GetArrayLength() == 0)
            {
                throw new InvalidOperationException($"message {i} was not answered within 10 s");
            }
        }
    }

    private static async Task<string> WalPositionAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_current_wal_insert_lsn()::text", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> WalBytesSinceAsync(string database, string position)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::bigint", connection) { Parameters = { new() { Value = position } } };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The session state bytes the journal sent so far, from the silo's /metrics (0 with Orleans' storage).</summary>
    private static async Task<long> PayloadBytesAsync(HttpClient http)
    {
        var metrics = await http.GetStringAsync("/metrics");
        return metrics.Split('\n')
            .Where(line => line.StartsWith("fabric_storage_written_bytes_total{", StringComparison.Ordinal) && line.Contains("state=\"session\"", StringComparison.Ordinal))
            .Sum(line => (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }
}
