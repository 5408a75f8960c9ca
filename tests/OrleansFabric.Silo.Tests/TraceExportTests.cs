using System.Diagnostics;
using System.Net;

namespace OrleansFabric.Silo.Tests;

/// <summary>
/// A message's trace end to end through a silo's HTTP API: its <c>traceparent</c> reaches the
/// brain's chat-completions request, and with an OTLP endpoint configured the spans are exported.
/// Alone in the process: a silo that exports listens to ASP.NET Core's and Orleans' sources
/// process-wide, so it would record other silos' requests and grain calls too.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class TraceExportTests
{
    private const string MessageJson = """{"message_id":"m1","tenant_id":"t1","agent_id":"a","interlocutor_id":"traced","channel":"custom","text":"hi"}""";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_traceparent_of_a_message_request_reaches_the_chat_completions_request_of_its_turn(bool exporting)
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var fake = await FakeChatCompletions.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Fabric:Sessions:DefaultStrategy"] = "queue",
            ["Fabric:Sessions:Brain:Kind"] = "openai",
            ["Fabric:Sessions:Brain:OpenAi:BaseUrl"] = fake.BaseUrl.ToString(),
            ["Fabric:Sessions:Brain:OpenAi:Model"] = "gpt-test",
        };
        if (exporting)
        {
            AddExporter(settings, collector);
        }

        await using var silo = await RunningSilo.StartAsync(settings);
        var traceId = ActivityTraceId.CreateRandom();

        using var accepted = await silo.PostInTraceAsync("/v1/messages", MessageJson, traceId);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var request = await fake.NextRequestAsync();
        request.Reply("hello");
        await silo.GetUntilAsync("/v1/sessions/t1%3Aa%3Atraced%3Acustom/turns", json => json.GetArrayLength() == 1, "the turn");

        Assert.Equal(traceId.ToHexString(), request.TraceId);
    }

    [Fact]
    public async Task With_an_otlp_endpoint_the_spans_of_a_message_and_its_turn_are_exported_over_http_protobuf()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        var settings = new Dictionary<string, string?> { ["Fabric:Sessions:DefaultStrategy"] = "queue" };
        AddExporter(settings, collector);
        await using var silo = await RunningSilo.StartAsync(settings);
        var traceId = ActivityTraceId.CreateRandom();

        using var accepted = await silo.PostInTraceAsync("/v1/messages", MessageJson, traceId);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var request = await collector.WaitForAsync(export => export.Holds(traceId) && export.Holds("/v1/messages"), "of the message's request span");
        var turn = await collector.WaitForAsync(export => export.Holds(traceId) && export.Holds("session turn"), "of the turn's span");

        Assert.Equal("application/x-protobuf", request.ContentType);
        Assert.Equal("application/x-protobuf", turn.ContentType);
    }

    /// <summary>
    /// The exporter's settings as an operator sets them (environment variables, which a silo reads
    /// as configuration), with batches sent every 100 ms instead of every 5 s.
    /// </summary>
    private static void AddExporter(Dictionary<string, string?> settings, OtlpReceiver collector)
    {
        settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString();
        settings["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        settings["OTEL_BSP_SCHEDULE_DELAY"] = "100";
    }
}
