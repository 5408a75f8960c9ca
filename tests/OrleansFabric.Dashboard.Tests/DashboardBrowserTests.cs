using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace OrleansFabric.Dashboard.Tests;

/// <summary>The dashboard in headless Chromium, against a live silo, driven over the DevTools protocol.</summary>
[Collection(OneSiloAtATime.Name)]
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    private const int Width = 1280;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_page_shows_the_silo_with_its_address_and_gateway_activations_queues_turns_and_batches_and_refreshes_itself()
    {
        await using var silo = await DashboardSilo.StartAsync();
        await silo.SeedAsync();
        await using var chromium = await Chromium.StartAsync();
        var tab = await BrowserTab.OpenAsync(chromium.DevTools, Width, 900);

        await tab.NavigateAsync(new Uri(silo.Address, "/dashboard"), s_timeout);
        var (rendered, page) = await tab.WaitUntilAsync(
            $"""
            text('served-by') === {Js(silo.SiloId)}
            && text('silo-count') === '1 silo, 1 active'
            && rows('silos').length === 1
            && rows('silos')[0].startsWith({Js(silo.SiloId + " (this silo)|" + silo.SiloEndpoint + "|active|" + silo.GatewayEndpoint + "|")})
            && document.querySelector('#silos .swatch').style.backgroundColor !== ''
            && !document.body.textContent.toLowerCase().includes('partition')
            && rows('activations').some(row => row.startsWith('EssayBatchGrain|2|'))
            && rows('activations').some(row => row.startsWith('SessionGrain|2|'))
            && rows('queues').length === 1 && rows('queues')[0].startsWith('t1|whatsapp|queue|2|')
            && text('turns-completed') === '1'
            && rows('latency')[0].startsWith('turn duration|') && rows('latency')[0].endsWith('|1')
            && text('batch-progress-collecting') === '1/2'
            && text('batch-progress-completed') === '1/1'
            && text('state').startsWith('updated ')
            """,
            s_timeout);
        Assert.True(rendered, $"The dashboard did not show the silo's data within {s_timeout}:{Environment.NewLine}{page}");

        // A third held message: the page shows it on one of its own refreshes, with no reload.
        await silo.PostMessageAsync(DashboardSilo.HeldSession, "m3", "hold three");
        var (refreshed, later) = await tab.WaitUntilAsync("rows('queues').length === 1 && rows('queues')[0].startsWith('t1|whatsapp|queue|3|')", s_timeout);
        Assert.True(refreshed, $"The dashboard did not refresh the queue depth within {s_timeout}:{Environment.NewLine}{later}");

        var screenshot = await SaveScreenshotAsync(tab, "dashboard.png");
        Assert.True(screenshot.Length > 10_000, $"The screenshot is suspiciously small ({screenshot.Length} bytes).");
        Assert.True(
            (await tab.EvaluateAsync("[document.documentElement, ...document.querySelectorAll('section')].every(box => box.scrollWidth <= box.clientWidth)"))!.GetValue<bool>(),
            "Part of the page is wider than its box.");
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task With_api_keys_the_page_asks_for_a_key_refuses_a_tenant_key_and_shows_the_data_with_a_star_key()
    {
        await using var silo = await DashboardSilo.StartAsync(ApiKeys.Settings());
        await silo.SeedAsync(ApiKeys.Administrator);
        await using var chromium = await Chromium.StartAsync();
        var tab = await BrowserTab.OpenAsync(chromium.DevTools, Width, 900);

        await tab.NavigateAsync(new Uri(silo.Address, "/dashboard"), s_timeout);
        var (asked, page) = await tab.WaitUntilAsync("!document.getElementById('key-form').hidden && text('key-message') === 'This silo requires an API key.'", s_timeout);
        Assert.True(asked, $"The page did not ask for a key:{Environment.NewLine}{page}");

        await EnterKeyAsync(tab, ApiKeys.Tenant);
        var (refused, afterTenant) = await tab.WaitUntilAsync("!document.getElementById('key-form').hidden && text('key-message') === 'This key lacks the * scope.'", s_timeout);
        Assert.True(refused, $"The page did not refuse a tenant key:{Environment.NewLine}{afterTenant}");

        await EnterKeyAsync(tab, ApiKeys.Administrator);
        var (shown, afterAdministrator) = await tab.WaitUntilAsync(
            $"document.getElementById('key-form').hidden && text('served-by') === {Js(silo.SiloId)} && text('batch-progress-collecting') === '1/2'",
            s_timeout);
        Assert.True(shown, $"The page did not show the data with a * key:{Environment.NewLine}{afterAdministrator}");
        Assert.Equal(ApiKeys.Administrator, (string?)await tab.EvaluateAsync("sessionStorage.getItem('orleansfabric.dashboard.key')"));
        Assert.Equal(0, (int)(await tab.EvaluateAsync("localStorage.length"))!);

        await SaveScreenshotAsync(tab, "dashboard-with-key.png");

        // The browser reports the refused fetches (401, then 403) as network errors; nothing else may fail.
        Assert.All(tab.Errors, error => Assert.Matches("^log network: Failed to load resource: the server responded with a status of 40[13] ", error));
        Assert.Equal(2, tab.Errors.Count);
    }

    private static async Task EnterKeyAsync(BrowserTab tab, string key) =>
        await tab.EvaluateAsync($"document.getElementById('key-input').value = {Js(key)}; document.getElementById('key-form').requestSubmit(); true");

    private async Task<byte[]> SaveScreenshotAsync(BrowserTab tab, string name)
    {
        var png = await tab.ScreenshotAsync();
        var path = Path.Combine(AppContext.BaseDirectory, "TestResults", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, png);
        output.WriteLine($"screenshot: {path}");
        Console.WriteLine($"screenshot: {path}");
        return png;
    }

    /// <summary>A JavaScript string literal (JSON's string syntax is JavaScript's).</summary>
    private static string Js(string value) => JsonValue.Create(value).ToJsonString();
}
