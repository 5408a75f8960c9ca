using System.Net;
using System.Text;

namespace OrleansFabric.Silo.Tests;

public sealed class OversizedBodyTests
{
    private const int Oversized = 15;

    [Fact]
    public async Task Oversized_bodies_sent_while_another_client_loads_the_silo_all_read_a_413_problem_and_store_nothing()
    {
        await using var silo = await RunningSilo.StartAsync();
        using var senders = new HttpClient(new SocketsHttpHandler()) { BaseAddress = silo.Client.BaseAddress };
        var oversizedDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var load = Task.Run(() => PostValidMessagesAsync(silo, oversizedDone.Task));

        var refused = await Task.WhenAll(Enumerable.Range(0, Oversized).Select(i => PostOversizedAsync(senders, i, chunked: i % 3 == 0)));
        oversizedDone.SetResult();
        var accepted = await load;

        foreach (var response in refused)
        {
            using (response)
            {
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
            }
        }

        Assert.True(accepted.Count >= 10, $"The other client posted only {accepted.Count} messages.");
        Assert.All(accepted, status => Assert.Equal(HttpStatusCode.Accepted, status));
        for (var i = 0; i < Oversized; i++)
        {
            using var session = await silo.GetAsync($"/v1/sessions/t1%3Aa%3Abig-{i}%3Acustom");
            await ProblemAssert.IsProblemAsync(session, HttpStatusCode.NotFound, "session_not_found");
        }
    }

    [Fact]
    public async Task After_a_refused_oversized_body_the_connection_serves_the_next_request()
    {
        await using var silo = await RunningSilo.StartAsync();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = silo.Client.BaseAddress };

        using var chunked = await PostOversizedAsync(client, 0, chunked: true);
        using var announced = await PostOversizedAsync(client, 1, chunked: false);
        using var content = new StringContent(Message("after", "hi"), Encoding.UTF8, "application/json");
        using var next = await client.PostAsync("/v1/messages", content);

        await ProblemAssert.IsProblemAsync(chunked, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await ProblemAssert.IsProblemAsync(announced, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
    }

    [Fact]
    public async Task A_body_announced_past_the_discard_bound_is_refused_at_once_and_the_connection_closed()
    {
        await using var silo = await RunningSilo.StartAsync();

        // 17 MiB announced, none of it sent: the silo does not wait for (or read) a body it will not discard.
        var (head, body, closed) = await ExchangeAsync(silo, $"Content-Length: {17 * 1024 * 1024}\r\n", sendBody: null);

        Assert.StartsWith("HTTP/1.1 413", head, StringComparison.Ordinal);
        Assert.Contains("Connection: close", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("application/problem+json", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"payload_too_large\"", body, StringComparison.Ordinal);
        Assert.True(closed, "the silo kept the connection open");
    }

    [Fact]
    public async Task A_client_that_stops_sending_an_oversized_body_is_answered_after_the_discard_time_and_the_connection_closed()
    {
        await using var silo = await RunningSilo.StartAsync();

        // 2 MiB announced (within the discard bound), 64 KiB sent, then nothing.
        var (head, body, closed) = await ExchangeAsync(silo, $"Content-Length: {2 * 1024 * 1024}\r\n", sendBody: new byte[64 * 1024]);

        Assert.StartsWith("HTTP/1.1 413", head, StringComparison.Ordinal);
        Assert.Contains("Connection: close", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"payload_too_large\"", body, StringComparison.Ordinal);
        Assert.True(closed, "the silo kept the connection open");
    }

    /// <summary>
    /// Sends a POST /v1/messages head with <paramref name="lengthHeader"/> (and <paramref name="sendBody"/>,
    /// if any) on a raw connection and reads what comes back until the silo closes it (at most 30 s).
    /// </summary>
    private static async Task<(string Head, string Body, bool Closed)> ExchangeAsync(RunningSilo silo, string lengthHeader, byte[]? sendBody)
    {
        var address = silo.Client.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        var head = Encoding.ASCII.GetBytes($"POST /v1/messages HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\n{lengthHeader}\r\n");
        await stream.WriteAsync(head);
        if (sendBody is not null)
        {
            await stream.WriteAsync(sendBody);
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        var closed = false;
        try
        {
            while (received.Length < 1024 * 1024)
            {
                var read = await stream.ReadAsync(buffer, limit.Token);
                if (read == 0)
                {
                    closed = true;
                    break;
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            closed = true; // reset after the answer: closed as well
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return split < 0 ? (text, string.Empty, closed) : (text[..split], text[(split + 4)..], closed);
    }

    /// <summary>POSTs a 3 MiB message (otherwise valid) in 64 KiB writes, with a Content-Length or chunked.</summary>
    private static async Task<HttpResponseMessage> PostOversizedAsync(HttpClient client, int i, bool chunked)
    {
        var body = Encoding.UTF8.GetBytes(Message($"big-{i}", new string('x', 3 * 1024 * 1024)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StreamContent(new MemoryStream(body), 64 * 1024),
        };
        request.Content.Headers.ContentType = new("application/json");
        if (chunked)
        {
            request.Content.Headers.ContentLength = null;
            request.Headers.TransferEncodingChunked = true;
        }
        else
        {
            request.Content.Headers.ContentLength = body.Length;
        }

        return await client.SendAsync(request);
    }

    /// <summary>Valid messages, one after another, until the oversized ones are answered (at most 5,000).</summary>
    private static async Task<List<HttpStatusCode>> PostValidMessagesAsync(RunningSilo silo, Task oversizedDone)
    {
        var statuses = new List<HttpStatusCode>();
        for (var n = 0; n < 5_000 && (!oversizedDone.IsCompleted || statuses.Count < 10); n++)
        {
            using var response = await silo.PostAsync("/v1/messages", Message($"load-{n}", "hi"));
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    private static string Message(string id, string text) =>
        $$"""{"message_id":"{{id}}","tenant_id":"t1","agent_id":"a","interlocutor_id":"{{id}}","channel":"custom","text":"{{text}}"}""";
}
