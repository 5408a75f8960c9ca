using Npgsql;

namespace OrleansFabric.PostgreSql;

/// <summary>
/// Retries idempotent database calls (reads, lease and membership statements) on transient
/// failures: three attempts, 100 ms then 300 ms apart. State writes are never retried here:
/// a lost commit acknowledgement is ambiguous, and the runtime recovers from it by reloading.
/// </summary>
internal static class Transient
{
    public static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken);
            }
            catch (NpgsqlException exception) when (exception.IsTransient && attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(attempt == 1 ? 100 : 300), cancellationToken);
            }
        }
    }
}
