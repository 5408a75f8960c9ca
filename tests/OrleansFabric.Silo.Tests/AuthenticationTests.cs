using System.Net;
using System.Net.Http.Headers;
using OrleansFabric.Silo.Api;

namespace OrleansFabric.Silo.Tests;

public sealed class AuthenticationTests
{
    private static readonly Dictionary<string, string?> s_keys = new()
    {
        ["Fabric:Api:Keys:0:Key"] = "admin-key-0123456789",
        ["Fabric:Api:Keys:0:Tenants:0"] = "*",
        ["Fabric:Api:Keys:1:Key"] = "tenant-key-0123456789",
        ["Fabric:Api:Keys:1:Tenants:0"] = "t1",
    };

    [Fact]
    public async Task Without_a_key_a_v1_request_gets_a_401_problem()
    {
        await using var silo = await RunningSilo.StartAsync(s_keys);

        using var response = await silo.Client.GetAsync("/v1/cluster");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task An_unknown_key_gets_a_401_problem_and_a_known_one_passes()
    {
        await using var silo = await RunningSilo.StartAsync(s_keys);
        using var unknown = new HttpRequestMessage(HttpMethod.Get, "/v1/cluster") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "not-a-key") } };
        using var known = new HttpRequestMessage(HttpMethod.Get, "/v1/cluster") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "tenant-key-0123456789") } };

        using var refused = await silo.Client.SendAsync(unknown);
        using var accepted = await silo.Client.SendAsync(known);

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Health_and_metrics_need_no_key()
    {
        await using var silo = await RunningSilo.StartAsync(s_keys);

        using var ready = await silo.Client.GetAsync("/health/ready");
        using var metrics = await silo.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public void A_tenant_key_reaches_only_its_tenants()
    {
        var caller = ApiCaller.WithScopes(["t1", "t2"]);

        Assert.True(caller.CanAccessTenant("t1"));
        Assert.True(caller.CanAccessTenant("t2"));
        Assert.False(caller.CanAccessTenant("t3"));
        Assert.False(caller.CanAccessBatches);
        Assert.False(caller.IsAdministrator);
    }

    [Fact]
    public void The_star_key_reaches_everything_and_the_batches_scope_only_batches()
    {
        var admin = ApiCaller.WithScopes(["*"]);
        var pipeline = ApiCaller.WithScopes(["batches"]);

        Assert.True(admin.CanAccessTenant("any") && admin.CanAccessBatches && admin.IsAdministrator);
        Assert.True(pipeline.CanAccessBatches);
        Assert.False(pipeline.CanAccessTenant("t1"));
        Assert.False(pipeline.IsAdministrator);
    }

    [Theory]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("http://127.10.0.1:80", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://10.1.2.3:8080", false)]
    [InlineData("http://silo.internal:8080", false)]
    public void Only_loopback_addresses_count_as_local(string url, bool loopback) =>
        Assert.Equal(loopback, Hosting.ListenAddresses.IsLoopback(url));
}
