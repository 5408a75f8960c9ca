using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrleansFabric.Cli.Tests;

/// <summary>
/// A stand-in for <c>/v1/cluster</c> on 127.0.0.1 that answers a drain with 202 and then gives the
/// scripted cluster documents one per <c>GET</c>, repeating the last: how a silo's status moves
/// while it leaves, without waiting for Orleans' membership to get there.
/// </summary>
internal sealed class ScriptedClusterApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string Body)> _answers;
    private (int Status, string Body) _last;
    private int _reads;

    private ScriptedClusterApi(WebApplication app, IEnumerable<(int Status, string Body)> answers)
    {
        _app = app;
        _answers = new ConcurrentQueue<(int, string)>(answers);
        _last = (500, "{}");
    }

    public string Url => _app.Urls.First();

    /// <summary>The silo ids drains were asked for, in order.</summary>
    public ConcurrentQueue<string> Drains { get; } = new();

    /// <summary>How many times the cluster was read.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Starts the stand-in; each answer is a status and its JSON body.</summary>
    public static async Task<ScriptedClusterApi> StartAsync(params (int Status, string Body)[] answers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var api = new ScriptedClusterApi(app, answers);
        app.MapGet("/v1/cluster", api.Cluster);
        app.MapPost("/v1/cluster/silos/{id}/drain", (string id) =>
        {
            api.Drains.Enqueue(id);
            return Results.Text($$"""{"silo_id":"{{id}}","status":"draining"}""", "application/json", null, 202);
        });
        await app.StartAsync();
        return api;
    }

    /// <summary>A cluster document with silos given as (id, status).</summary>
    public static (int, string) Document(params (string Id, string Status)[] silos) =>
        (200, $$"""{"cluster_id":"c1","silos":[{{string.Join(",", silos.Select(silo => $$"""{"id":"{{silo.Id}}","address":"{{silo.Id.Split('@')[0]}}","gateway":null,"status":"{{silo.Status}}","started_at":"2026-12-07T10:00:00Z","heartbeat_at":"2026-12-07T10:00:00Z","activations":3}"""))}}]}""");

    private IResult Cluster()
    {
        Interlocked.Increment(ref _reads);
        lock (_answers)
        {
            if (_answers.TryDequeue(out var next))
            {
                _last = next;
            }

            return _last.Status == 200
                ? Results.Text(_last.Body, "application/json")
                : Results.Text(_last.Body, "application/problem+json", null, _last.Status);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
