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

    [Theory]
    [InlineData(Runtime.Hosting.SiloStatus.Joining, true, "joining")]
    [InlineData(Runtime.Hosting.SiloStatus.ShuttingDown, true, "shutting_down")]
    [InlineData(Runtime.Hosting.SiloStatus.Active, false, "leases")]
    public async Task Ready_is_a_503_problem_with_retry_after_unless_active_and_serving(Runtime.Hosting.SiloStatus status, bool servingLeases, string reason)
    {
        await using var silo = await RunningSilo.StartAsync();
        var state = silo.App.Services.GetRequiredService<Runtime.Hosting.SiloState>();
        state.Status = status;
        state.IsServingLeases = servingLeases;

        using var response = await silo.Client.GetAsync("/health/ready");
        using var live = await silo.Client.GetAsync("/health/live");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "unavailable");
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        state.Status = Runtime.Hosting.SiloStatus.Active;
        state.IsServingLeases = true;
    }

    [Fact]
    public async Task The_cluster_view_shows_one_active_silo_owning_every_partition_at_epoch_1()
    {
        await using var silo = await RunningSilo.StartAsync();

        var cluster = await silo.GetJsonAsync<JsonElement>("/v1/cluster");

        Assert.Equal(256, cluster.GetProperty("partition_count").GetInt32());
        var member = Assert.Single(cluster.GetProperty("silos").EnumerateArray());
        Assert.Equal("active", member.GetProperty("status").GetString());
        Assert.Equal(silo.Client.BaseAddress!.ToString().TrimEnd('/'), member.GetProperty("endpoint").GetString());
        Assert.Equal(256, member.GetProperty("partitions_owned").GetInt32());
        Assert.EndsWith("Z", member.GetProperty("heartbeat_at").GetString(), StringComparison.Ordinal);
        var partitions = cluster.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 256), partitions.Select(p => p.GetProperty("partition").GetInt32()));
        Assert.All(partitions, p =>
        {
            Assert.Equal(member.GetProperty("id").GetString(), p.GetProperty("owner").GetString());
            Assert.Equal(1, p.GetProperty("epoch").GetInt64());
        });
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
    public async Task An_unavailable_grain_is_a_503_problem_with_retry_after()
    {
        await using var silo = await RunningSilo.StartAsync(map: app => app.MapGet("/v1/test-unavailable", IResult () => throw new FabricUnavailableException("no owner yet") { RetryAfter = TimeSpan.FromSeconds(2) }));

        using var response = await silo.Client.GetAsync("/v1/test-unavailable");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "unavailable");
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
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
