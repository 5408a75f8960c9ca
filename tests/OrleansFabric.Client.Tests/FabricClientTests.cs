using System.Net;
using System.Net.Sockets;
using OrleansFabric.Batches;

namespace OrleansFabric.Client.Tests;

public sealed class FabricClientTests
{
    [Fact]
    public async Task Typed_batch_calls_go_through_a_gateway_silo()
    {
        await using var silo = await GatewaySilo.StartAsync();
        using var client = new FabricClient(new FabricClientOptions { Gateways = { silo.Address } });
        var batch = client.GetGrain<IEssayBatchGrain>("batch-42");

        var registered = await batch.RegisterAsync(new BatchDefinition(["e1", "e2"], 600, null));
        var assigned = await batch.ProvisionContentAsync(new ProvisionContent("ts-1", "essay1.docx"));
        var again = await batch.ProvisionContentAsync(new ProvisionContent("ts-1", "essay1.docx"));
        var status = await batch.GetStatusAsync();

        Assert.Equal(RegisterBatchResult.Created, registered);
        Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e1"), assigned);
        Assert.Equal(new ContentAssignment(AssignmentOutcome.AlreadyAssigned, "e1"), again);
        Assert.Equal(["e2"], status!.MissingSlots);
    }

    [Fact]
    public async Task Arguments_and_results_of_any_shape_cross_the_wire()
    {
        await using var silo = await GatewaySilo.StartAsync();
        using var client = new FabricClient(new FabricClientOptions { Gateways = { silo.Address } });

        var description = await client.GetGrain<ICalculatorGrain>("calc").DescribeAsync(new Shape("triangle", [3, 4, 5]));

        Assert.Equal("calc: triangle with perimeter 12", description);
    }

    [Fact]
    public async Task A_grain_exception_reaches_the_client_with_its_type_and_message()
    {
        await using var silo = await GatewaySilo.StartAsync();
        using var client = new FabricClient(new FabricClientOptions { Gateways = { silo.Address } });

        var error = await Assert.ThrowsAsync<DivideByZeroException>(() => client.GetGrain<ICalculatorGrain>("calc").DivideAsync(1, 0));

        Assert.Equal("cannot divide 1 by zero", error.Message);
    }

    [Fact]
    public async Task The_client_fails_over_from_a_gateway_that_refuses_connections()
    {
        await using var silo = await GatewaySilo.StartAsync();
        var dead = new Uri($"http://127.0.0.1:{TestKit.FreePort.Next()}");
        using var client = new FabricClient(new FabricClientOptions { Gateways = { dead, silo.Address } });

        Assert.Equal(5, await client.GetGrain<ICalculatorGrain>("calc").DivideAsync(10, 2));
        Assert.Equal(2, await client.GetGrain<ICalculatorGrain>("calc").DivideAsync(10, 5));
    }

    [Fact]
    public async Task A_refused_key_raises_a_typed_error_and_a_scoped_key_reaches_only_its_grains()
    {
        await using var silo = await GatewaySilo.StartAsync(
            "--Fabric:Api:Keys:0:Key=pipeline-key-0123456789",
            "--Fabric:Api:Keys:0:Tenants:0=batches");
        using var anonymous = new FabricClient(new FabricClientOptions { Gateways = { silo.Address } });
        using var pipeline = new FabricClient(new FabricClientOptions { Gateways = { silo.Address }, ApiKey = "pipeline-key-0123456789" });

        var unauthorized = await Assert.ThrowsAsync<FabricApiException>(() => anonymous.GetGrain<IEssayBatchGrain>("b").GetStatusAsync());
        var forbidden = await Assert.ThrowsAsync<FabricApiException>(() => pipeline.GetGrain<ICalculatorGrain>("calc").DivideAsync(4, 2));

        Assert.Equal(("unauthorized", 401), (unauthorized.Code, unauthorized.Status));
        Assert.Equal(("forbidden", 403), (forbidden.Code, forbidden.Status));
        Assert.Null(await pipeline.GetGrain<IEssayBatchGrain>("b").GetStatusAsync());
    }

    [Fact]
    public async Task A_gateway_that_never_answers_ends_the_call_at_its_deadline()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var address = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        using var client = new FabricClient(new FabricClientOptions { Gateways = { address }, CallTimeout = TimeSpan.FromMilliseconds(500) });

        await Assert.ThrowsAsync<FabricUnavailableException>(() => client.GetGrain<ICalculatorGrain>("calc").DivideAsync(1, 1));
    }

    [Fact]
    public async Task A_cancelled_call_ends_with_OperationCanceledException()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var address = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        using var client = new FabricClient(new FabricClientOptions { Gateways = { address } });
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.GetGrain<ICalculatorGrain>("calc").DescribeAsync(new Shape("x", []), cancellation.Token));
    }
}
