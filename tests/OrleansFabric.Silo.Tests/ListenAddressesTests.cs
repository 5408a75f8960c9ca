using Microsoft.Extensions.Configuration;
using OrleansFabric.Silo.Hosting;

namespace OrleansFabric.Silo.Tests;

public sealed class ListenAddressesTests
{
    [Theory]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("http://127.10.0.1:80", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://unix:/run/silo.sock", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://10.1.2.3:8080", false)]
    [InlineData("http://silo.internal:8080", false)]
    [InlineData("http://localhost.example.com:8080", false)]
    public void Only_loopback_addresses_count_as_local(string url, bool loopback) =>
        Assert.Equal(loopback, ListenAddresses.IsLoopback(url));

    [Fact]
    public void With_nothing_configured_the_silo_listens_on_localhost_8080()
    {
        var addresses = ListenAddresses.From(Configuration([]));

        Assert.True(addresses.IsDefault);
        Assert.Equal(["http://localhost:8080"], addresses.Urls);
    }

    [Fact]
    public async Task The_built_silo_applies_the_default_address_only_when_none_is_given()
    {
        await using var defaulted = SiloApplication.Build([]);
        await using var chosen = SiloApplication.Build(["--urls", "http://127.0.0.1:5055"]);

        Assert.Equal("http://localhost:8080", defaulted.Configuration["urls"]);
        Assert.Equal("http://127.0.0.1:5055", chosen.Configuration["urls"]);
    }

    [Theory]
    [InlineData("urls", "http://127.0.0.1:1;http://0.0.0.0:2", "http://0.0.0.0:2")]
    [InlineData("http_ports", "8080", "http://*:8080")]
    [InlineData("https_ports", "8443", "https://*:8443")]
    [InlineData("Kestrel:Endpoints:Public:Url", "http://10.0.0.5:80", "http://10.0.0.5:80")]
    public void Every_source_Kestrel_reads_is_checked_for_exposed_addresses(string key, string value, string exposed)
    {
        var addresses = ListenAddresses.From(Configuration(new() { [key] = value }));

        Assert.False(addresses.IsDefault);
        Assert.Equal(exposed, addresses.FirstExposed);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
