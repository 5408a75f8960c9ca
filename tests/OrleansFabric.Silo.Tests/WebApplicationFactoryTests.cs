using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OrleansFabric.TestKit;

namespace OrleansFabric.Silo.Tests;

public sealed class WebApplicationFactoryTests
{
    [Fact]
    public async Task The_Program_entry_point_hosts_the_silo_under_WebApplicationFactory()
    {
        var siloPort = FreePort.Next();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host => host
            .UseSetting("Fabric:Clustering:SiloPort", siloPort.ToString(CultureInfo.InvariantCulture))
            .UseSetting("Fabric:Clustering:GatewayPort", FreePort.Next().ToString(CultureInfo.InvariantCulture)));
        using var client = factory.CreateClient();

        using var ready = await client.GetAsync("/health/ready");
        using var cluster = await client.GetAsync("/v1/cluster");
        using var missing = await client.GetAsync("/v1/missing");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cluster.StatusCode);
        using var document = JsonDocument.Parse(await cluster.Content.ReadAsStringAsync());
        Assert.Equal("orleans-fabric", document.RootElement.GetProperty("cluster_id").GetString());
        var silo = Assert.Single(document.RootElement.GetProperty("silos").EnumerateArray());
        Assert.Equal("active", silo.GetProperty("status").GetString());
        Assert.Equal($"127.0.0.1:{siloPort}", silo.GetProperty("address").GetString());
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.NotFound, "not_found");
    }
}
