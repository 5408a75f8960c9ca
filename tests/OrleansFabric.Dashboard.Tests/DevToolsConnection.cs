using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace OrleansFabric.Dashboard.Tests;

/// <summary>
/// A Chrome DevTools Protocol client over one WebSocket to the browser: commands are matched
/// to their answers by id, events go to <see cref="EventReceived"/> handlers (called on the
/// receive loop). Every command is bounded by a timeout.
/// </summary>
internal sealed class DevToolsConnection : IAsyncDisposable
{
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(30);

    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private int _nextId;

    private DevToolsConnection()
    {
    }

    /// <summary>Raised for every event, on the receive loop.</summary>
    public event Action<DevToolsEvent>? EventReceived;

    public static async Task<DevToolsConnection> ConnectAsync(Uri browser)
    {
        var connection = new DevToolsConnection();
        connection._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var timeout = new CancellationTokenSource(s_commandTimeout);
        await connection._socket.ConnectAsync(browser, timeout.Token);
        connection._receiving = Task.Run(connection.ReceiveAsync);
        return connection;
    }

    /// <summary>Sends a command (to a tab when <paramref name="sessionId"/> is given) and returns its result; a protocol error throws.</summary>
    public async Task<JsonObject> SendAsync(string method, JsonObject? parameters = null, string? sessionId = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        if (sessionId is not null)
        {
            command["sessionId"] = sessionId;
        }

        try
        {
            await _sending.WaitAsync(_stop.Token);
            try
            {
                using var timeout = new CancellationTokenSource(s_commandTimeout);
                await _socket.SendAsync(Encoding.UTF8.GetBytes(command.ToJsonString()), WebSocketMessageType.Text, true, timeout.Token);
            }
            finally
            {
                _sending.Release();
            }

            var message = await answer.Task.WaitAsync(s_commandTimeout);
            if (message["error"] is JsonObject error)
            {
                throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
            }

            return message["result"]?.AsObject() ?? [];
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                var json = JsonNode.Parse(message.GetBuffer().AsSpan(0, (int)message.Length))!.AsObject();
                message.SetLength(0);
                Dispatch(json);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            // The browser went away or the connection is being disposed: fail what still waits.
        }
        finally
        {
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new InvalidOperationException("The DevTools connection closed."));
            }
        }
    }

    private void Dispatch(JsonObject json)
    {
        if (json["id"] is JsonValue id)
        {
            if (_pending.TryGetValue(id.GetValue<int>(), out var answer))
            {
                answer.TrySetResult(json);
            }

            return;
        }

        if (json["method"]?.GetValue<string>() is { } method)
        {
            EventReceived?.Invoke(new DevToolsEvent(method, json["params"]?.AsObject() ?? [], json["sessionId"]?.GetValue<string>()));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Abort();
        await _receiving;
        _socket.Dispose();
        _stop.Dispose();
        _sending.Dispose();
    }
}
