using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Batches;

namespace OrleansFabric.Client.Tests;

public sealed class FabricClientTests
{
    [Fact]
    public async Task A_pipeline_service_registers_a_batch_and_provisions_content_through_the_silo_gateway()
    {
        await using var silo = await EmbeddedSilo.StartAsync();
        using var host = await PipelineHost.StartAsync(silo);
        var pipeline = host.Services.GetRequiredService<EssayPipeline>();

        var registered = await pipeline.OpenBatchAsync("batch-42", ["e1", "e2"]);
        var again = await pipeline.OpenBatchAsync("batch-42", ["e1", "e2"]);
        var assigned = await pipeline.UploadAsync("batch-42", "ts-1", "essay1.docx");
        var resent = await pipeline.UploadAsync("batch-42", "ts-1", "essay1.docx");
        var status = await pipeline.StatusAsync("batch-42");

        Assert.Equal(RegisterBatchResult.Created, registered);
        Assert.Equal(RegisterBatchResult.Unchanged, again);
        Assert.Equal(new ContentAssignment(AssignmentOutcome.Assigned, "e1"), assigned);
        Assert.Equal(new ContentAssignment(AssignmentOutcome.AlreadyAssigned, "e1"), resent);
        Assert.NotNull(status);
        Assert.Equal(1, status.AssignedCount);
        Assert.Equal(["e2"], status.MissingSlots);
        Assert.Equal("ts-1", Assert.Single(status.Assignments).TextStorageId);
    }

    [Fact]
    public async Task The_silo_api_sees_what_the_grain_client_did_since_both_reach_the_same_grain()
    {
        await using var silo = await EmbeddedSilo.StartAsync();
        using var host = await PipelineHost.StartAsync(silo);
        var pipeline = host.Services.GetRequiredService<EssayPipeline>();
        await pipeline.OpenBatchAsync("batch-7", ["e1", "e2"]);
        await pipeline.UploadAsync("batch-7", "ts-9", "nine.docx");
        using var http = new HttpClient { BaseAddress = silo.Address };

        using var batch = JsonDocument.Parse(await http.GetStringAsync(new Uri("/v1/batches/batch-7", UriKind.Relative)));
        using var posted = await http.PostAsJsonAsync(new Uri("/v1/batches/batch-7/content", UriKind.Relative), new Dictionary<string, string> { ["text_storage_id"] = "ts-10", ["original_file_name"] = "ten.docx" });
        var last = await pipeline.UploadAsync("batch-7", "ts-10", "ten.docx");

        Assert.Equal(1, batch.RootElement.GetProperty("assigned_count").GetInt32());
        Assert.True(posted.IsSuccessStatusCode, $"{(int)posted.StatusCode}: {await posted.Content.ReadAsStringAsync()}");
        Assert.Equal(new ContentAssignment(AssignmentOutcome.AlreadyAssigned, "e2"), last);
    }

    [Fact]
    public async Task The_grains_validation_reaches_the_client_as_an_argument_exception_and_changes_nothing()
    {
        await using var silo = await EmbeddedSilo.StartAsync();
        using var host = await PipelineHost.StartAsync(silo);
        var pipeline = host.Services.GetRequiredService<EssayPipeline>();
        await pipeline.OpenBatchAsync("batch-v", ["e1"]);

        var badId = await Assert.ThrowsAsync<ArgumentException>(() => pipeline.UploadAsync("batch-v", "", "empty.docx"));
        var repeated = await Assert.ThrowsAsync<ArgumentException>(() => pipeline.OpenBatchAsync("batch-r", ["e1", "e1"]));
        var status = await pipeline.StatusAsync("batch-v");
        var never = await pipeline.StatusAsync("batch-r");

        Assert.StartsWith("text_storage_id must not be empty.", badId.Message, StringComparison.Ordinal);
        Assert.StartsWith("expected_essay_ids must not repeat an id.", repeated.Message, StringComparison.Ordinal);
        Assert.Equal(0, status!.AssignedCount);
        Assert.Null(never);
    }

    [Theory]
    [InlineData("Fabric:Clustering:Provider", "Zookeeper", "Fabric:Clustering:Provider must be Localhost, Redis or AdoNet (got 'Zookeeper').")]
    [InlineData("Fabric:Clustering:GatewayPort", "70000", "Fabric:Clustering:GatewayPort must be between 0 and 65535 (got 70000).")]
    [InlineData("Fabric:Clustering:Provider", "AdoNet", "Fabric:Clustering:ConnectionString is required with the AdoNet provider.")]
    [InlineData("Fabric:Clustering:ResponseTimeoutSeconds", "0", "Fabric:Clustering:ResponseTimeoutSeconds must be between 1 and 600 (got 0).")]
    public void A_bad_clustering_setting_fails_with_a_message_naming_the_key(string key, string value, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => PipelineHost.Build(new Dictionary<string, string?> { [key] = value }));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
