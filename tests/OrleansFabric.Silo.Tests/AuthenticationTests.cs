using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
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

    [Fact]
    public void The_key_store_finds_the_caller_of_a_known_key_only()
    {
        var store = new ApiKeyStore(Options.Create(Settings.Api(s_keys)));

        var tenant = store.Authenticate("tenant-key-0123456789");
        var admin = store.Authenticate("admin-key-0123456789");

        Assert.True(store.RequiresKeys);
        Assert.NotNull(tenant);
        Assert.True(tenant.CanAccessTenant("t1"));
        Assert.False(tenant.CanAccessTenant("t2"));
        Assert.False(tenant.IsAdministrator);
        Assert.NotNull(admin);
        Assert.True(admin.IsAdministrator);
        Assert.Null(store.Authenticate("tenant-key-012345678"));
        Assert.Null(store.Authenticate("tenant-key-0123456789 "));
        Assert.Null(store.Authenticate(string.Empty));
    }

    [Fact]
    public async Task The_caller_is_available_to_endpoints_for_tenant_checks()
    {
        await using var silo = await RunningSilo.StartAsync(s_keys, app => app.MapGet("/v1/test-tenants/{tenant}", (HttpContext context, string tenant) =>
            context.Caller().CanAccessTenant(tenant) ? Results.Ok() : Problems.For(ErrorCodes.Forbidden, $"The key does not cover tenant '{tenant}'.")));
        using var own = new HttpRequestMessage(HttpMethod.Get, "/v1/test-tenants/t1") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "tenant-key-0123456789") } };
        using var other = new HttpRequestMessage(HttpMethod.Get, "/v1/test-tenants/t2") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "tenant-key-0123456789") } };

        using var allowed = await silo.Client.SendAsync(own);
        using var forbidden = await silo.Client.SendAsync(other);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        await ProblemAssert.IsProblemAsync(forbidden, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Without_keys_every_caller_is_anonymous_and_may_do_everything()
    {
        await using var silo = await RunningSilo.StartAsync(map: app => app.MapGet("/v1/test-caller", (HttpContext context) =>
            Results.Text($"{context.Caller().IsAnonymous}/{context.Caller().CanAccessTenant("any")}/{context.Caller().IsAdministrator}")));

        Assert.Equal("True/True/True", await silo.Client.GetStringAsync("/v1/test-caller"));
    }

    [Theory]
    [InlineData("Fabric:Api:Keys:0:Key", "", "Fabric:Api:Keys:0:Key is empty")]
    [InlineData("Fabric:Api:Keys:0:Tenants:0", "", "Fabric:Api:Keys:0:Tenants must list")]
    [InlineData("Fabric:Api:Keys:1:Key", "admin-key-0123456789", "Fabric:Api:Keys:1:Key is the same key as Fabric:Api:Keys:0:Key")]
    public void Bad_keys_stop_the_silo_with_a_message_naming_the_setting(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>(s_keys) { [key] = value };

        var failure = Assert.Throws<Hosting.SiloConfigurationException>(() => Hosting.SiloApplication.Build(["--urls", "http://127.0.0.1:0", .. Settings.Arguments(settings)]));

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080", null, false)]
    [InlineData("http://0.0.0.0:8080", "true", true)]
    [InlineData("http://127.0.0.1:0;http://[::1]:0", null, true)]
    public async Task Without_keys_only_loopback_addresses_start_unless_anonymous_access_is_allowed(string urls, string? allowAnonymous, bool starts)
    {
        var settings = new Dictionary<string, string?> { ["urls"] = urls, ["Fabric:Api:AllowAnonymous"] = allowAnonymous };
        WebApplication? app = null;

        var failure = Record.Exception(() => app = Hosting.SiloApplication.Build([.. Settings.Arguments(settings)]));
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        if (starts)
        {
            Assert.Null(failure);
        }
        else
        {
            Assert.IsType<Hosting.SiloConfigurationException>(failure);
            Assert.Contains($"refusing to listen on '{urls}'", failure.Message, StringComparison.Ordinal);
        }
    }
}
