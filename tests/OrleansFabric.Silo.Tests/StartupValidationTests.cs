using OrleansFabric.Silo.Hosting;

namespace OrleansFabric.Silo.Tests;

/// <summary>Settings the Orleans silo is built from are checked before anything starts, each problem naming its key.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Redis", "127.0.0.1:1")]
    [InlineData("AdoNet", "Host=127.0.0.1;Port=1;Username=u;Database=d")]
    public void A_clustered_silo_with_memory_persistence_refuses_to_start_naming_both_keys(string provider, string connectionString)
    {
        var failure = BuildFails(new()
        {
            ["Fabric:Clustering:Provider"] = provider,
            ["Fabric:Clustering:ConnectionString"] = connectionString,
            ["Fabric:Persistence:Provider"] = "Memory",
        });

        Assert.Contains("Fabric:Persistence:Provider=Memory", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"Fabric:Clustering:Provider={provider}", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Redis")]
    [InlineData("AdoNet")]
    public void A_clustering_provider_without_a_connection_string_refuses_to_start(string provider)
    {
        var failure = BuildFails(new()
        {
            ["Fabric:Clustering:Provider"] = provider,
            ["Fabric:Persistence:Provider"] = "AdoNet",
            ["Fabric:Persistence:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=u;Database=d",
        });

        Assert.Contains($"Fabric:Clustering:ConnectionString is required with the {provider} provider", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bad_setting_is_reported_at_once_each_naming_its_key()
    {
        var failure = BuildFails(new()
        {
            ["Fabric:Clustering:Provider"] = "Consul",
            ["Fabric:Persistence:Provider"] = "AdoNet",
            ["Fabric:Grains:IdleTimeoutSeconds"] = "5",
            ["Fabric:Shutdown:DeadlineSeconds"] = "0",
            ["Fabric:Sessions:Delivery:MaxBackoffSeconds"] = "0",
        });

        Assert.Contains("Fabric:Clustering:Provider must be Localhost, Redis or AdoNet (got 'Consul')", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Fabric:Persistence:ConnectionString is required", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Fabric:Grains:IdleTimeoutSeconds", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Fabric:Shutdown:DeadlineSeconds", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Sessions:Delivery:MaxBackoffSeconds", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Fabric:Clustering:SiloPort", "70000")]
    [InlineData("Fabric:Clustering:GatewayPort", "-1")]
    [InlineData("Fabric:Clustering:AdvertisedAddress", "not-an-ip")]
    [InlineData("Fabric:Clustering:ResponseTimeoutSeconds", "0")]
    [InlineData("Fabric:Clustering:ClusterId", " ")]
    [InlineData("Fabric:Persistence:MaxPoolSize", "0")]
    [InlineData("Fabric:Persistence:GrainStorage", "Redis")]
    public void A_bad_endpoint_or_cluster_setting_refuses_to_start_naming_the_key(string key, string value)
    {
        var failure = BuildFails(new() { [key] = value });

        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Fabric:Sessions:Brain:CircuitBreaker:FailureRatio", "0")]
    [InlineData("Fabric:Sessions:Brain:CircuitBreaker:FailureRatio", "1.5")]
    [InlineData("Fabric:Sessions:Brain:CircuitBreaker:MinimumCalls", "-1")]
    [InlineData("Fabric:Sessions:Brain:CircuitBreaker:WindowSeconds", "0")]
    [InlineData("Fabric:Sessions:Brain:CircuitBreaker:BreakSeconds", "3601")]
    public void A_bad_brain_circuit_breaker_setting_refuses_to_start_naming_the_key(string key, string value)
    {
        var failure = BuildFails(new() { [key] = value });

        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_localhost_silo_with_memory_persistence_starts()
    {
        await using var silo = await RunningSilo.StartAsync(new() { ["Fabric:Persistence:Provider"] = "memory" });

        using var ready = await silo.Client.GetAsync("/health/ready");

        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
    }

    private static SiloConfigurationException BuildFails(Dictionary<string, string?> settings) =>
        Assert.Throws<SiloConfigurationException>(() => SiloApplication.Build(RunningSilo.Arguments(settings)));
}
