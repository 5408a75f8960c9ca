using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansFabric.Dashboard.Tests;

[Collection(OneSiloAtATime.Name)]
public sealed partial class DashboardEndpointTests
{
    [Fact]
    public async Task The_page_is_html_with_a_fresh_nonce_in_a_strict_content_security_policy_and_needs_no_key()
    {
        await using var silo = await DashboardSilo.StartAsync(ApiKeys.Settings());

        using var first = await silo.Client.GetAsync("/dashboard");
        using var second = await silo.Client.GetAsync("/dashboard");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("text/html", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", first.Content.Headers.ContentType?.CharSet);
        var html = await first.Content.ReadAsStringAsync();
        var policy = string.Join(';', first.Headers.GetValues("Content-Security-Policy"));
        var nonce = Nonce().Match(policy).Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains($"<script nonce=\"{nonce}\">", html, StringComparison.Ordinal);
        Assert.Contains($"<style nonce=\"{nonce}\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{nonce}}", html, StringComparison.Ordinal);
        Assert.DoesNotContain("innerHTML", html, StringComparison.Ordinal);
        Assert.Contains("fetch('/v1/dashboard'", html, StringComparison.Ordinal);
        Assert.Equal("nosniff", first.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.NotEqual(nonce, Nonce().Match(string.Join(';', second.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value);
    }

    [Fact]
    public async Task The_data_summarises_the_cluster_and_this_silos_activations_queues_turns_and_batches()
    {
        await using var silo = await DashboardSilo.StartAsync();
        await silo.SeedAsync();

        using var response = await silo.Client.GetAsync("/v1/dashboard");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var data = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(silo.SiloId, (string?)data["silo_id"]);
        Assert.True(DateTime.UtcNow - data["generated_at"]!.GetValue<DateTime>().ToUniversalTime() < TimeSpan.FromMinutes(1));

        var cluster = data["cluster"]!;
        Assert.Equal("orleans-fabric", (string?)cluster["cluster_id"]);
        Assert.Null(cluster["partitions"]);
        Assert.Null(cluster["partition_count"]);
        var onlySilo = Assert.Single(cluster["silos"]!.AsArray())!;
        Assert.Equal(silo.SiloId, (string?)onlySilo["id"]);
        Assert.Equal(silo.SiloEndpoint, (string?)onlySilo["address"]);
        Assert.Equal(silo.GatewayEndpoint, (string?)onlySilo["gateway"]);
        Assert.Equal("active", (string?)onlySilo["status"]);
        Assert.Null(onlySilo["partitions_owned"]);

        // This silo's activations per grain type, from Orleans' management grain.
        var activations = data["activations"]!.AsArray().ToDictionary(type => (string)type!["grain_type"]!, type => (long)type!["activations"]!);
        var shown = string.Join(", ", activations.Select(type => $"{type.Key}={type.Value}"));
        Assert.True(activations.TryGetValue("SessionGrain", out var sessions) && sessions == 2, shown);
        Assert.True(activations.TryGetValue("EssayBatchGrain", out var batchGrains) && batchGrains == 2, shown);
        Assert.True((long)onlySilo["activations"]! >= sessions + batchGrains, $"the silo row says {onlySilo["activations"]}; by type: {shown}");

        var queue = Assert.Single(data["session_queues"]!.AsArray())!;
        Assert.Equal("t1", (string?)queue["tenant"]);
        Assert.Equal("whatsapp", (string?)queue["channel"]);
        Assert.Equal("queue", (string?)queue["strategy"]);
        Assert.Equal(2, (long)queue["depth"]!);
        Assert.True((double)queue["oldest_pending_seconds"]! >= 0);

        var turns = data["turns"]!;
        Assert.Equal(1, (long)turns["completed"]!);
        Assert.Equal(0, (long)turns["cancelled"]!);
        Assert.Equal(0, (long)turns["failed"]!);
        Assert.Equal(1, (long)turns["duration"]!["count"]!);
        Assert.InRange((double)turns["duration"]!["p50_seconds"]!, 0, 0.1);
        Assert.InRange((double)turns["duration"]!["p95_seconds"]!, 0, 0.1);
        Assert.Equal(1, (long)turns["message_response"]!["count"]!);

        var batches = data["batches"]!.AsArray().ToDictionary(batch => (string)batch!["status"]!, batch => batch!);
        Assert.Equal(["collecting", "completed", "timed_out"], batches.Keys);
        Assert.Equal([1L, 1L, 0L, 1L], Slots(batches["collecting"]));
        Assert.Equal([1L, 1L, 0L, 0L], Slots(batches["completed"]));
        Assert.Equal([0L, 0L, 0L, 0L], Slots(batches["timed_out"]));

        static long[] Slots(JsonNode batch) =>
            [(long)batch["batches"]!, (long)batch["slots_assigned"]!, (long)batch["slots_failed"]!, (long)batch["slots_missing"]!];
    }

    [Fact]
    public async Task With_keys_configured_the_data_needs_a_key_with_the_star_scope()
    {
        await using var silo = await DashboardSilo.StartAsync(ApiKeys.Settings());

        using var anonymous = await silo.SendAsync(HttpMethod.Get, "/v1/dashboard", null, null);
        using var unknown = await silo.SendAsync(HttpMethod.Get, "/v1/dashboard", null, "not-a-key");
        using var tenant = await silo.SendAsync(HttpMethod.Get, "/v1/dashboard", null, ApiKeys.Tenant);
        using var administrator = await silo.SendAsync(HttpMethod.Get, "/v1/dashboard", null, ApiKeys.Administrator);

        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized, "unauthorized");
        await AssertProblemAsync(unknown, HttpStatusCode.Unauthorized, "unauthorized");
        await AssertProblemAsync(tenant, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, administrator.StatusCode);
        Assert.Equal(silo.SiloId, (string?)JsonNode.Parse(await administrator.Content.ReadAsStringAsync())!["silo_id"]);
    }

    [Fact]
    public async Task Batch_metrics_count_batches_by_status_and_slots_by_state_without_batch_ids()
    {
        await using var silo = await DashboardSilo.StartAsync();
        await silo.SeedAsync();

        var text = await MetricsAsync(silo);

        Assert.Contains("# TYPE fabric_batches gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batches{status=\"collecting\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batches{status=\"completed\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batches{status=\"timed_out\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_batch_slots gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batch_slots{state=\"assigned\",status=\"collecting\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batch_slots{state=\"missing\",status=\"collecting\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batch_slots{state=\"assigned\",status=\"completed\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batch_slots{state=\"failed\",status=\"collecting\"} 0\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("b-collecting", text, StringComparison.Ordinal);
        Assert.DoesNotContain("b-completed", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_validation_failure_fills_a_slot_as_failed_and_completes_the_batch()
    {
        await using var silo = await DashboardSilo.StartAsync();
        using var created = await silo.SendAsync(HttpMethod.Put, "/v1/batches/b1", """{ "expected_count": 2 }""", null, HttpStatusCode.Created);
        using var assigned = await silo.SendAsync(HttpMethod.Post, "/v1/batches/b1/content", """{ "text_storage_id": "ts-1" }""", null, HttpStatusCode.OK);
        using var failed = await silo.SendAsync(HttpMethod.Post, "/v1/batches/b1/validation-failures", """{ "failure_id": "f-1" }""", null, HttpStatusCode.OK);

        var text = await MetricsAsync(silo);

        Assert.Contains("fabric_batches{status=\"collecting\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batches{status=\"completed\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batch_slots{state=\"assigned\",status=\"completed\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batch_slots{state=\"failed\",status=\"completed\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("fabric_batch_slots{state=\"missing\",status=\"completed\"} 0\n", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>/metrics</c> without the <c>otel_scope_name</c> label OpenTelemetry's Prometheus exporter
    /// adds to every series, so that a series reads as its name and its own labels.
    /// </summary>
    private static async Task<string> MetricsAsync(DashboardSilo silo) =>
        ScopeLabel().Replace(await silo.Client.GetStringAsync("/metrics"), "").Replace("{}", "", StringComparison.Ordinal);

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(code, (string?)problem["code"]);
        Assert.Equal((int)status, (int)problem["status"]!);
    }

    [GeneratedRegex("otel_scope_name=\"[^\"]*\",?")]
    private static partial Regex ScopeLabel();

    [GeneratedRegex("script-src 'nonce-([A-Za-z0-9+/=]+)'")]
    private static partial Regex Nonce();
}
