using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OrleansFabric.Silo.Tests;

/// <summary>Raw HTTP against a silo: exact JSON in, parsed JSON out, so the tests see the wire format.</summary>
internal static class Http
{
    public static async Task<HttpResponseMessage> SendAsync(this RunningSilo silo, HttpMethod method, string path, string? json = null, string? key = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await silo.Client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostAsync(this RunningSilo silo, string path, string json, string? key = null) =>
        silo.SendAsync(HttpMethod.Post, path, json, key);

    /// <summary>POSTs <paramref name="json"/> with a <c>traceparent</c> of trace <paramref name="traceId"/> (sampled), as a traced client would.</summary>
    public static async Task<HttpResponseMessage> PostInTraceAsync(this RunningSilo silo, string path, string json, ActivityTraceId traceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        return await silo.Client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PutAsync(this RunningSilo silo, string path, string json, string? key = null) =>
        silo.SendAsync(HttpMethod.Put, path, json, key);

    public static Task<HttpResponseMessage> GetAsync(this RunningSilo silo, string path, string? key = null) =>
        silo.SendAsync(HttpMethod.Get, path, null, key);

    public static Task<HttpResponseMessage> DeleteAsync(this RunningSilo silo, string path, string? key = null) =>
        silo.SendAsync(HttpMethod.Delete, path, null, key);

    /// <summary>The JSON body of a response with the expected status.</summary>
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, System.Net.HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>GETs <paramref name="path"/> until <paramref name="condition"/> holds for its JSON (at most 10 s).</summary>
    public static async Task<JsonElement> GetUntilAsync(this RunningSilo silo, string path, Func<JsonElement, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await silo.GetAsync(path);
            var body = await response.JsonAsync(System.Net.HttpStatusCode.OK);
            if (condition(body))
            {
                return body;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"Timed out waiting for {what}; last answer: {body}");
            }

            await Task.Yield();
        }
    }

    /// <summary>The property names of a JSON object, sorted.</summary>
    public static string[] Names(this JsonElement element) =>
        [.. element.EnumerateObject().Select(property => property.Name).Order(StringComparer.Ordinal)];

    /// <summary>The items of a JSON array of strings.</summary>
    public static string[] Strings(this JsonElement element) =>
        [.. element.EnumerateArray().Select(item => item.GetString() ?? throw new InvalidOperationException($"{element} holds a null."))];
}
