using System.Net;
using System.Text.Json;

namespace OrleansFabric.Silo.Tests;

public sealed class HostTests
{
    [Fact]
    public async Task Live_and_ready_answer_once_the_silo_is_active()
    {
        await using var silo = await RunningSilo.StartAsync();

        var live = await silo.GetJsonAsync<JsonElement>("/health/live");
        var ready = await silo.GetJsonAsync<JsonElement>("/health/ready");

        Assert.Equal("live", live.GetProperty("status").GetString());
        Assert.Equal("ready", ready.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_is_a_503_problem_with_retry_after_once_the_silo_begins_stopping_while_live_stays_200()
    {
        await using var silo = await RunningSilo.StartAsync();
        using var before = await silo.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        // The signal a stopping host gives first; the test host keeps serving until it is disposed.
        silo.App.Lifetime.StopApplication();
        using var response = await silo.Client.GetAsync("/health/ready");
        using var live = await silo.Client.GetAsync("/health/live");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "unavailable");
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task The_cluster_view_shows_one_active_silo_from_Orleans_membership()
    {
        var settings = new Dictionary<string, string?> { ["Fabric:Clustering:ClusterId"] = "test-cluster" };
        await using var silo = await RunningSilo.StartAsync(settings);
        await silo.Grains.GetGrain<IPingGrain>("counted").PingAsync("x");
        var local = silo.App.Services.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>();

        var cluster = await silo.GetJsonAsync<JsonElement>("/v1/cluster");

        Assert.Equal(["cluster_id", "silos"], cluster.Names());
        Assert.Equal("test-cluster", cluster.GetProperty("cluster_id").GetString());
        var member = Assert.Single(cluster.GetProperty("silos").EnumerateArray());
        Assert.Equal(["activations", "address", "gateway", "heartbeat_at", "id", "started_at", "status"], member.Names());
        Assert.Equal(local.SiloAddress.ToParsableString(), member.GetProperty("id").GetString());
        Assert.Equal($"127.0.0.1:{local.SiloAddress.Endpoint.Port}", member.GetProperty("address").GetString());
        Assert.Equal($"127.0.0.1:{local.GatewayAddress!.Endpoint.Port}", member.GetProperty("gateway").GetString());
        Assert.Equal("active", member.GetProperty("status").GetString());
        Assert.EndsWith("Z", member.GetProperty("started_at").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("Z", member.GetProperty("heartbeat_at").GetString(), StringComparison.Ordinal);
        Assert.True(member.GetProperty("activations").GetInt32() >= 1, member.ToString());
    }

    [Fact]
    public async Task Unknown_routes_get_a_problem_json_404()
    {
        await using var silo = await RunningSilo.StartAsync();

        using var response = await silo.Client.GetAsync("/v1/nothing-here");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_body_announced_over_1_MiB_is_refused_with_413_before_it_is_read()
    {
        var received = 0;
        await using var silo = await RunningSilo.StartAsync(map: app => app.MapPost("/v1/test-echo", async (HttpRequest request) =>
        {
            received++;
            using var reader = new StreamReader(request.Body);
            return Results.Text(await reader.ReadToEndAsync());
        }));

        using var content = new ByteArrayContent(new byte[(1024 * 1024) + 1]);
        using var response = await silo.Client.PostAsync("/v1/test-echo", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(0, received);
    }

    [Fact]
    public async Task Any_v1_request_announcing_over_1_MiB_is_refused_with_413_whatever_the_route()
    {
        await using var silo = await RunningSilo.StartAsync();

        using var content = new ByteArrayContent(new byte[(2 * 1024 * 1024) + 1]);
        using var response = await silo.Client.PostAsync("/v1/cluster", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task A_wrong_method_on_a_known_route_gets_a_problem_json_405()
    {
        await using var silo = await RunningSilo.StartAsync();

        using var response = await silo.Client.DeleteAsync("/v1/cluster");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task A_streamed_body_that_grows_past_1_MiB_is_cut_off_with_413()
    {
        await using var silo = await RunningSilo.StartAsync(map: app => app.MapPost("/v1/test-echo", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return Results.Text((await reader.ReadToEndAsync()).Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }));

        using var small = new StreamContent(new MemoryStream(new byte[1000]));
        using var big = new StreamContent(new MemoryStream(new byte[(2 * 1024 * 1024) + 7]));
        small.Headers.ContentLength = null;
        big.Headers.ContentLength = null;
        using var accepted = await silo.Client.PostAsync("/v1/test-echo", small);
        using var refused = await silo.Client.PostAsync("/v1/test-echo", big);

        Assert.Equal("1000", await accepted.Content.ReadAsStringAsync());
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task A_grain_call_Orleans_rejected_is_a_503_problem_with_retry_after()
    {
        await using var silo = await RunningSilo.StartAsync(map: app => app.MapGet("/v1/test-unavailable", IResult () => throw new SiloUnavailableException("the silo left")));

        using var response = await silo.Client.GetAsync("/v1/test-unavailable");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "unavailable");
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task A_grain_call_that_timed_out_is_a_502_outcome_unknown_problem()
    {
        await using var silo = await RunningSilo.StartAsync(map: app => app.MapGet("/v1/test-timeout", IResult () => throw new TimeoutException("no answer")));

        using var response = await silo.Client.GetAsync("/v1/test-timeout");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "outcome_unknown");
        Assert.Null(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task An_unexpected_failure_is_a_500_problem_without_a_stack_trace()
    {
        await using var silo = await RunningSilo.StartAsync(map: app => app.MapGet("/v1/test-crash", IResult () => throw new InvalidOperationException("secret internals")));

        using var response = await silo.Client.GetAsync("/v1/test-crash");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError, "internal_error");
        Assert.DoesNotContain("secret internals", problem.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", problem.GetRawText(), StringComparison.Ordinal);
    }
}
