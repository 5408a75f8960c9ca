using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Orleans.Runtime;
using OrleansFabric.Sessions.Brains;
using OrleansFabric.Silo.Hosting;
using OrleansFabric.TestKit;

namespace OrleansFabric.Dashboard.Tests;

/// <summary>
/// A silo started in the test process on loopback (an ephemeral HTTP port, its own free silo and
/// gateway ports; WhatsApp and SMS sessions queue, turns starting
/// with "hold" are held), with helpers that give the dashboard something to show. Its clock is a
/// manual one that does not move, so the durations it shows (turns, message to response) are
/// exactly zero, however slow the machine.
/// </summary>
internal sealed class DashboardSilo : IAsyncDisposable
{
    public const string HeldSession = "t1:support:+46700000001:whatsapp";
    public const string AnsweredSession = "t2:support:+46700000002:sms";

    private readonly HeldBrain _brain;

    private DashboardSilo(WebApplication app, HeldBrain brain)
    {
        App = app;
        _brain = brain;
        Address = new Uri(app.Urls.First());
        Client = new HttpClient { BaseAddress = Address };
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>The silo's id as Orleans has it (<c>ip:port@generation</c>), which the API reports.</summary>
    public string SiloId => App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();

    /// <summary>The silo's silo-to-silo endpoint (<c>ip:port</c>).</summary>
    public string SiloEndpoint => App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Endpoint.ToString();

    /// <summary>The silo's gateway endpoint (<c>ip:port</c>).</summary>
    public string GatewayEndpoint => App.Services.GetRequiredService<ILocalSiloDetails>().GatewayAddress!.Endpoint.ToString();

    public static async Task<DashboardSilo> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0", "--environment", "Testing",
            $"--Fabric:Clustering:SiloPort={FreePort.Next()}", $"--Fabric:Clustering:GatewayPort={FreePort.Next()}",
            "--Fabric:Shutdown:DeadlineSeconds=5", "--Fabric:Sessions:Channels:whatsapp:Strategy=queue", "--Fabric:Sessions:Channels:sms:Strategy=queue",
        };
        args.AddRange((settings ?? []).Select(setting => $"--{setting.Key}={setting.Value}"));
        var brain = new HeldBrain();
        var app = SiloApplication.Build([.. args], builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton<IBrain>(brain);
            // The grains' clock stands still: the durations and ages the page shows are exactly zero.
            var frozen = new FakeTimeProvider(DateTimeOffset.UtcNow);
            builder.Services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Grains, frozen);
            builder.Services.AddKeyedSingleton<TimeProvider>("Orleans.Reminders", frozen);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new DashboardSilo(app, brain);
    }

    /// <summary>
    /// Two held messages in <see cref="HeldSession"/> (queue depth 2), one answered turn in
    /// <see cref="AnsweredSession"/>, a collecting batch with 1 of 2 slots filled and a
    /// completed batch of 1 slot.
    /// </summary>
    public async Task SeedAsync(string? key = null)
    {
        await PostMessageAsync(HeldSession, "m1", "hold one", key);
        await PostMessageAsync(HeldSession, "m2", "hold two", key);
        await PostMessageAsync(AnsweredSession, "m1", "hello", key);
        await SendAsync(HttpMethod.Put, "/v1/batches/b-collecting", """{ "expected_essay_ids": ["e1", "e2"] }""", key, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, "/v1/batches/b-collecting/content", """{ "text_storage_id": "ts-1" }""", key, HttpStatusCode.OK);
        await SendAsync(HttpMethod.Put, "/v1/batches/b-completed", """{ "expected_count": 1 }""", key, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, "/v1/batches/b-completed/content", """{ "text_storage_id": "ts-2" }""", key, HttpStatusCode.OK);

        // Long-poll (bounded by the server) until the answered session's turn is committed.
        using var turns = await SendAsync(HttpMethod.Get, $"/v1/sessions/{Uri.EscapeDataString(AnsweredSession)}/turns?after=0&wait_seconds=10", null, key, HttpStatusCode.OK);
        var committed = JsonNode.Parse(await turns.Content.ReadAsStringAsync())!.AsArray();
        Assert.Single(committed);
    }

    public async Task PostMessageAsync(string sessionKey, string messageId, string text, string? key = null)
    {
        var parts = sessionKey.Split(':');
        var body = new JsonObject
        {
            ["message_id"] = messageId,
            ["tenant_id"] = parts[0],
            ["agent_id"] = parts[1],
            ["interlocutor_id"] = parts[2],
            ["channel"] = parts[3],
            ["text"] = text,
        };
        using var response = await SendAsync(HttpMethod.Post, "/v1/messages", body.ToJsonString(), key, HttpStatusCode.Accepted);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json, string? key, HttpStatusCode? expected = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var response = await Client.SendAsync(request);
        if (expected is { } status && response.StatusCode != status)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            Assert.Fail($"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        }

        return response;
    }

    public async ValueTask DisposeAsync()
    {
        _brain.Release();
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
