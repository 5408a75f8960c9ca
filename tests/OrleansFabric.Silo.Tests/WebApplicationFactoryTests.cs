using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace OrleansFabric.Silo.Tests;

public sealed class WebApplicationFactoryTests
{
    [Fact]
    public async Task The_Program_entry_point_hosts_the_silo_under_WebApplicationFactory()
    {
        await using var factory = new WebApplicationFactory<Program>();
        using var client = factory.CreateClient();

        using var ready = await client.GetAsync("/health/ready");
        using var cluster = await client.GetAsync("/v1/cluster");
        using var missing = await client.GetAsync("/v1/missing");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var document = JsonDocument.Parse(await cluster.Content.ReadAsStringAsync());
        Assert.Equal(256, document.RootElement.GetProperty("partition_count").GetInt32());
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.NotFound, "not_found");
    }
}
