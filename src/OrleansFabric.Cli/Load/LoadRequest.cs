using System.Diagnostics;
using OrleansFabric.Cli.Api;

namespace OrleansFabric.Cli.Load;

/// <summary>One timed request of a load run, counted in its operation and, when it fails, in the errors.</summary>
internal static class LoadRequest
{
    /// <summary>
    /// Sends the request and records it; an answer that <paramref name="expected"/> rejects (by
    /// default any non-2xx) and a request that reached no silo count as errors. Returns the
    /// answer, or null when there was none.
    /// </summary>
    public static async Task<ApiResponse?> SendAsync(
        FabricClient client,
        HttpMethod method,
        string path,
        byte[]? body,
        OperationStats operation,
        ErrorCounts errors,
        long startedAt,
        CancellationToken cancellationToken,
        Func<ApiResponse, bool>? expected = null)
    {
        try
        {
            var response = await client.SendAsync(method, path, body, cancellationToken);
            var ok = expected?.Invoke(response) ?? response.IsSuccess;
            operation.Record(Stopwatch.GetElapsedTime(startedAt), ok);
            if (!ok)
            {
                errors.Add(response.ErrorKey);
            }

            return response;
        }
        catch (FabricUnreachableException)
        {
            operation.RecordFailure();
            errors.Add("unreachable");
        }
        catch (HttpRequestException)
        {
            operation.RecordFailure();
            errors.Add("connection_error");
        }

        return null;
    }

    /// <summary>Waits <paramref name="delay"/>; false when <paramref name="cancellationToken"/> ended the wait.</summary>
    public static async Task<bool> PauseAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
