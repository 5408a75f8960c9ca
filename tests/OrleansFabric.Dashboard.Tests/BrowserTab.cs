using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace OrleansFabric.Dashboard.Tests;

/// <summary>
/// One browser tab attached over the DevTools protocol, with Page, Runtime and Log enabled.
/// It records every uncaught exception, <c>console.error</c> and error log entry of the page.
/// </summary>
internal sealed class BrowserTab
{
    private readonly DevToolsConnection _devTools;
    private readonly string _sessionId;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _awaited = new(StringComparer.Ordinal);
    private readonly int _width;

    private BrowserTab(DevToolsConnection devTools, string sessionId, int width)
    {
        _devTools = devTools;
        _sessionId = sessionId;
        _width = width;
    }

    /// <summary>The page's errors so far: <c>exception: ...</c>, <c>console.error: ...</c> or <c>log {source}: {text}</c>.</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    public static async Task<BrowserTab> OpenAsync(DevToolsConnection devTools, int width, int height)
    {
        var target = await devTools.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" });
        var attached = await devTools.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true });
        var tab = new BrowserTab(devTools, attached["sessionId"]!.GetValue<string>(), width);
        devTools.EventReceived += tab.OnEvent;
        await tab.SendAsync("Page.enable");
        await tab.SendAsync("Runtime.enable");
        await tab.SendAsync("Log.enable");
        await tab.ResizeAsync(height);
        return tab;
    }

    /// <summary>Navigates and waits (bounded) for the load event.</summary>
    public async Task NavigateAsync(Uri url, TimeSpan timeout)
    {
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _awaited["Page.loadEventFired"] = loaded;
        var navigation = await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        if (navigation["errorText"]?.GetValue<string>() is { Length: > 0 } error)
        {
            throw new InvalidOperationException($"Navigation to {url} failed: {error}");
        }

        await loaded.Task.WaitAsync(timeout);
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page (awaiting a promise) and returns its value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var evaluation = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true });
        if (evaluation["exceptionDetails"] is JsonObject exception)
        {
            throw new InvalidOperationException($"Evaluating a test expression failed: {exception.ToJsonString()}");
        }

        return evaluation["result"]?["value"]?.DeepClone();
    }

    /// <summary>
    /// Waits in the page, re-checking at every DOM change, until the JavaScript
    /// <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns whether it
    /// held and the text of the page's main part then (for failure messages).
    /// </summary>
    public async Task<(bool Held, string Page)> WaitUntilAsync(string condition, TimeSpan timeout)
    {
        var milliseconds = ((int)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var script = $$"""
            new Promise(resolve => {
              const text = id => { const node = document.getElementById(id); return node ? node.textContent : null; };
              const rows = id => [...document.querySelectorAll('#' + id + ' tr')].map(row => [...row.cells].map(cell => cell.textContent).join('|'));
              const test = () => { try { return Boolean({{condition}}); } catch { return false; } };
              const done = held => resolve({ held, page: document.body.innerText });
              if (test()) { done(true); return; }
              const observer = new MutationObserver(() => { if (test()) { observer.disconnect(); clearTimeout(timer); done(true); } });
              const timer = setTimeout(() => { observer.disconnect(); done(test()); }, {{milliseconds}});
              observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
            })
            """;
        var result = await EvaluateAsync(script) ?? throw new InvalidOperationException("The wait returned nothing.");
        return (result["held"]!.GetValue<bool>(), result["page"]!.GetValue<string>());
    }

    /// <summary>A PNG of the whole page (the viewport is stretched to the page's height).</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var layout = await SendAsync("Page.getLayoutMetrics");
        await ResizeAsync((int)Math.Ceiling(layout["cssContentSize"]!["height"]!.GetValue<double>()));
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String(shot["data"]!.GetValue<string>());
    }

    private async Task ResizeAsync(int height) =>
        await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = _width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });

    private Task<JsonObject> SendAsync(string method, JsonObject? parameters = null) => _devTools.SendAsync(method, parameters, _sessionId);

    private void OnEvent(DevToolsEvent message)
    {
        if (message.SessionId != _sessionId)
        {
            return;
        }

        var parameters = message.Parameters;
        switch (message.Method)
        {
            case "Runtime.exceptionThrown":
                _errors.Enqueue("exception: " + parameters["exceptionDetails"]?.ToJsonString());
                break;
            case "Runtime.consoleAPICalled" when parameters["type"]?.GetValue<string>() == "error":
                _errors.Enqueue("console.error: " + parameters["args"]?.ToJsonString());
                break;
            case "Log.entryAdded" when parameters["entry"] is JsonObject entry && entry["level"]?.GetValue<string>() == "error":
                _errors.Enqueue("log " + entry["source"]?.GetValue<string>() + ": " + entry["text"]?.GetValue<string>());
                break;
        }

        if (_awaited.TryRemove(message.Method, out var awaited))
        {
            awaited.TrySetResult();
        }
    }
}
