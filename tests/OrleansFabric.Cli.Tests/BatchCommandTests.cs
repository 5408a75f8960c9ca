using System.Net;
using System.Net.Http.Json;

namespace OrleansFabric.Cli.Tests;

public sealed class BatchCommandTests
{
    [Fact]
    public async Task The_batch_command_shows_progress_missing_slots_failures_and_then_the_ready_event()
    {
        await using var silo = await CliSilo.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(silo.Url) };
        await SendAsync(http, HttpMethod.Put, "/v1/batches/b1", new { expected_essay_ids = new[] { "e1", "e2", "e3" } }, HttpStatusCode.Created);
        await SendAsync(http, HttpMethod.Post, "/v1/batches/b1/content", new { text_storage_id = "ts-1", original_file_name = "one.docx" }, HttpStatusCode.OK);
        await SendAsync(http, HttpMethod.Post, "/v1/batches/b1/validation-failures", new { failure_id = "f-1", file_name = "bad.pdf", error_code = "unsupported_format", message = "not a docx" }, HttpStatusCode.OK);

        var collecting = (await silo.RunAsync("batch", "b1")).Succeeded();

        Assert.Contains("Status     collecting", collecting.Out, StringComparison.Ordinal);
        Assert.Contains("Progress   1/3 assigned, 1 validation failure(s) (66.7% done)", collecting.Out, StringComparison.Ordinal);
        // One essay failed validation, so one slot fewer is awaited (API.md).
        Assert.Contains("Missing    1 slot(s): e2", collecting.Out, StringComparison.Ordinal);
        Assert.Contains(collecting.Lines, line => line.StartsWith("f-1", StringComparison.Ordinal) && line.Contains("unsupported_format", StringComparison.Ordinal));
        Assert.Contains("No events yet.", collecting.Out, StringComparison.Ordinal);

        await SendAsync(http, HttpMethod.Post, "/v1/batches/b1/content", new { text_storage_id = "ts-2", original_file_name = "two.docx" }, HttpStatusCode.OK);
        var completed = (await silo.RunAsync("batch", "b1")).Succeeded();

        Assert.Contains("Status     completed", completed.Out, StringComparison.Ordinal);
        Assert.Contains("Progress   2/3 assigned, 1 validation failure(s) (100.0% done)", completed.Out, StringComparison.Ordinal);
        Assert.Contains("Missing    0 slot(s)", completed.Out, StringComparison.Ordinal);
        Assert.Contains("Delivery   no webhook configured (answers by long-poll only)", completed.Out, StringComparison.Ordinal);
        Assert.Contains(completed.Lines, line => line.StartsWith("1 ", StringComparison.Ordinal) && line.Contains("BatchEssaysReady", StringComparison.Ordinal));
    }

    private static async Task SendAsync(HttpClient http, HttpMethod method, string path, object body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }
}
