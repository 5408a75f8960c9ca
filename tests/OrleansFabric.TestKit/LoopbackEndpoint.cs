using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrleansFabric.TestKit;

/// <summary>
/// A test's stand-in for another service (a webhook, a model API, a trace collector): one POST
/// route on a free port of 127.0.0.1, served from <see cref="ListenAsync"/> until disposed.
/// </summary>
public abstract class LoopbackEndpoint : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The endpoint's root URL, <c>http://127.0.0.1:{port}</c>.</summary>
    protected string Root => (_app ?? throw new InvalidOperationException("The endpoint does not listen yet.")).Urls.First();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Starts serving POST <paramref name="path"/> with <paramref name="handler"/>.</summary>
    protected async Task ListenAsync(string path, RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost(path, handler);
        await app.StartAsync();
        _app = app;
    }
}
