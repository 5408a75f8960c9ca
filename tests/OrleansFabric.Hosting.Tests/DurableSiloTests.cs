using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansFabric.Silo.Hosting;
using OrleansFabric.TestKit;

namespace OrleansFabric.Hosting.Tests;

/// <summary>
/// A silo whose grain state and reminders live in PostgreSQL (Orleans' ADO.NET providers on the
/// schema it creates): acknowledged data survives the silo, and a write that lost its ETag race
/// is never reported as a success.
/// </summary>
public sealed class DurableSiloTests
{
    [Theory]
    [InlineData("Journal")]
    [InlineData("Orleans")]
    public async Task A_message_and_a_batch_acknowledged_by_one_silo_are_there_for_the_next_on_the_same_database(string grainStorage)
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("durable");
        await using (var first = await StartAsync(database, grainStorage))
        {
            using var accepted = await first.Client.PostAsJsonAsync("/v1/messages", Message("m1", "hello"));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            (await first.Client.PutAsJsonAsync("/v1/batches/b1", new { expected_count = 2, timeout_seconds = 600 })).EnsureSuccessStatusCode();
            (await first.Client.PostAsJsonAsync("/v1/batches/b1/content", new { text_storage_id = "ts-1" })).EnsureSuccessStatusCode();
            await first.Client.GetFromJsonAsync<JsonElement>($"/v1/sessions/{Session}/turns?after=0&wait_seconds=10");
        }

        await using var second = await StartAsync(database, grainStorage);
        var turns = await second.Client.GetFromJsonAsync<JsonElement>($"/v1/sessions/{Session}/turns?after=0&wait_seconds=10");
        var turn = Assert.Single(turns.EnumerateArray());
        Assert.Equal(["m1"], turn.GetProperty("message_ids").EnumerateArray().Select(id => id.GetString()));
        using var duplicate = await second.Client.PostAsJsonAsync("/v1/messages", Message("m1", "hello"));
        Assert.Equal("duplicate", (await duplicate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var again = await (await second.Client.PostAsJsonAsync("/v1/batches/b1/content", new { text_storage_id = "ts-1" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("b1-1", "already_assigned"), (again.GetProperty("essay_id").GetString(), again.GetProperty("outcome").GetString()));
    }

    [Theory]
    [InlineData("Journal", "update fabric_journal set version = version + 1")]
    [InlineData("Orleans", "update orleans_grain_state set version = version + 1")]
    public async Task A_write_that_lost_its_ETag_race_fails_changes_nothing_and_the_next_call_reloads(string grainStorage, string otherWriter)
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("etag");
        await using var silo = await StartAsync(database, grainStorage);
        (await silo.Client.PutAsJsonAsync("/v1/batches/b1", new { expected_count = 3, timeout_seconds = 600 })).EnsureSuccessStatusCode();
        (await silo.Client.PostAsJsonAsync("/v1/batches/b1/content", new { text_storage_id = "ts-1" })).EnsureSuccessStatusCode();

        // Another activation (on a silo this one cannot see) wrote the batch meanwhile.
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var bump = new NpgsqlCommand(otherWriter, connection);
            Assert.Equal(1, await bump.ExecuteNonQueryAsync());
        }

        using var lost = await silo.Client.PostAsJsonAsync("/v1/batches/b1/content", new { text_storage_id = "ts-2" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, lost.StatusCode);
        Assert.Equal("unavailable", (await lost.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // The activation was dropped: the retry reloads what is durable and assigns once.
        var retried = await (await silo.Client.PostAsJsonAsync("/v1/batches/b1/content", new { text_storage_id = "ts-2" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("b1-2", "assigned"), (retried.GetProperty("essay_id").GetString(), retried.GetProperty("outcome").GetString()));
        var status = await silo.Client.GetFromJsonAsync<JsonElement>("/v1/batches/b1");
        Assert.Equal(["ts-1", "ts-2"], status.GetProperty("assignments").EnumerateArray().Select(a => a.GetProperty("text_storage_id").GetString()));
    }

    private const string Session = "t1%3Aa%3Au1%3Aweb";

    private static object Message(string id, string text) =>
        new { message_id = id, tenant_id = "t1", agent_id = "a", interlocutor_id = "u1", channel = "web", text };

    private static async Task<Silo> StartAsync(string database, string grainStorage)
    {
        var app = SiloApplication.Build(
            [
                "--urls", "http://127.0.0.1:0", "--environment", "Testing",
                $"--Fabric:Clustering:SiloPort={FreePort.Next()}", $"--Fabric:Clustering:GatewayPort={FreePort.Next()}",
                "--Fabric:Persistence:Provider=AdoNet", $"--Fabric:Persistence:ConnectionString={database}", $"--Fabric:Persistence:GrainStorage={grainStorage}",
            ],
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        return new Silo(app, new HttpClient { BaseAddress = new Uri(app.Urls.First()) });
    }

    private sealed record Silo(WebApplication App, HttpClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
