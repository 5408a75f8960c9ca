using System.Net;
using System.Text;
using System.Text.Json;
using OrleansFabric.Silo.Api;

namespace OrleansFabric.Silo.Tests;

public sealed class JsonBodyTests
{
    [Theory]
    [InlineData("{\"tenant_id\":\"t1\",\"count\":", "not valid JSON")]
    [InlineData("{\"tenant_id\":\"t1\",\"count\":\"three\"}", "'count'")]
    [InlineData("{\"tenant_id\":\"t1\",\"count\":1,\"tags\":[\"a\",2]}", "'tags[1]'")]
    [InlineData("{\"count\":1}", "Field 'tenant_id' is required")]
    [InlineData("{\"note\":\"n\"}", "Fields 'tenant_id', 'count' are required")]
    [InlineData("{\"tenant_id\":null,\"count\":1}", "Field 'tenant_id' must not be null")]
    [InlineData("[1,2]", "must be a JSON object, not an array")]
    [InlineData("  ", "empty")]
    public async Task A_bad_body_is_a_400_validation_problem_naming_the_field(string body, string detail)
    {
        await using var silo = await StartAsync();

        using var response = await PostAsync(silo, body);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_good_body_is_read_in_snake_case_and_unknown_fields_are_ignored()
    {
        await using var silo = await StartAsync();

        using var response = await PostAsync(silo, "{\"tenant_id\":\"t1\",\"count\":3,\"tags\":[\"a\"],\"extra\":{\"x\":1}}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("t1/3/-/a", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_chunked_body_over_1_MiB_is_a_413_problem()
    {
        await using var silo = await StartAsync();
        var json = "{\"tenant_id\":\"t1\",\"count\":1,\"note\":\"" + new string('x', 1024 * 1024) + "\"}";
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentLength = null;

        using var response = await silo.Client.PostAsync("/v1/test-json", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Theory]
    [InlineData("t1", null)]
    [InlineData("", "must not be empty")]
    [InlineData("a\u0007b", "control character")]
    public void Ids_are_1_to_200_characters_without_control_characters(string id, string? error)
    {
        var detail = RequestRules.CheckId("tenant_id", id);

        if (error is null)
        {
            Assert.Null(detail);
            Assert.Null(RequestRules.CheckId("tenant_id", new string('x', 200)));
        }
        else
        {
            Assert.Contains("'tenant_id'", detail, StringComparison.Ordinal);
            Assert.Contains(error, detail, StringComparison.Ordinal);
        }

        Assert.Contains("at most 200", RequestRules.CheckId("tenant_id", new string('x', 201)), StringComparison.Ordinal);
    }

    [Fact]
    public void Texts_are_at_most_32_KiB_of_UTF_8()
    {
        Assert.Null(RequestRules.CheckText("text", new string('x', 32 * 1024)));
        Assert.Contains("'text'", RequestRules.CheckText("text", new string('é', 16 * 1024 + 1)), StringComparison.Ordinal);
    }

    private static Task<RunningSilo> StartAsync() =>
        RunningSilo.StartAsync(map: app => app.MapPost("/v1/test-json", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            var body = await JsonBody.ReadAsync(request, TestJsonContext.Default.SampleRequest, cancellationToken);
            if (!body.IsValid)
            {
                return body.Problem;
            }

            var value = body.Value;
            return Results.Text($"{value.TenantId}/{value.Count}/{value.Note ?? "-"}/{string.Join(',', value.Tags ?? [])}");
        }));

    private static async Task<HttpResponseMessage> PostAsync(RunningSilo silo, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await silo.Client.PostAsync("/v1/test-json", content);
    }
}
