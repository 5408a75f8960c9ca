using Microsoft.Extensions.Logging;

namespace OrleansFabric.Hosting;

/// <summary>
/// Retries, inside the silo, a grain call that Orleans rejected before it ran
/// (<see cref="OrleansMessageRejectionException"/>: the target silo was stopping, the activation
/// was moving, the connection could not be made), so that a graceful stop or a drain is
/// invisible to callers. Only rejections are retried: a call whose outcome is unknown (a
/// timeout, a silo that died while it held the call) is never repeated blindly. Calls to Orleans'
/// own system targets (membership probes, the grain directory) are left alone, as Orleans has its
/// own timeouts and retries for them: a probe of a killed silo is refused at once and must fail at
/// once, or detection waits out the probe's timeout (0.5-1 s per missed probe) while this filter
/// retries it. Grain services (the reminder service) are still retried like grains.
/// </summary>
internal sealed partial class RejectedCallRetryFilter(TimeProvider time, ILogger<RejectedCallRetryFilter> logger) : IOutgoingGrainCallFilter
{
    /// <summary>
    /// The most attempts one call gets: with <see cref="MaxBackoff"/>, about 2.75 s of retries,
    /// enough to outlast a killed silo's detection (about 1 s on a quiet machine) and the grain
    /// directory's half-second lease after it, so a call to a grain of a killed silo that is refused
    /// at once is answered rather than turned into a 503.
    /// </summary>
    internal const int MaxAttempts = 16;

    /// <summary>
    /// The longest wait between attempts (the first waits 50 ms, doubling up to this): a grain that
    /// comes back is called again within 200 ms, not after a doubled wait of up to a second.
    /// </summary>
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromMilliseconds(200);

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (IsOrleansSystemTarget(context.TargetId))
        {
            await context.Invoke();
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await context.Invoke();
                return;
            }
            catch (OrleansMessageRejectionException rejection) when (attempt < MaxAttempts)
            {
                var backoff = Backoff(attempt);
                LogRetrying(logger, context.InterfaceName, context.MethodName, attempt, backoff.TotalMilliseconds, rejection.Message);
                await Task.Delay(backoff, time);
            }
        }
    }

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based): 50 ms, doubling, at most <see cref="MaxBackoff"/>.</summary>
    internal static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(50 * Math.Pow(2, attempt - 1), MaxBackoff.TotalMilliseconds));

    /// <summary>Whether <paramref name="target"/> is one of Orleans' system targets other than a grain service.</summary>
    internal static bool IsOrleansSystemTarget(GrainId target) => target.IsSystemTarget() && !target.Type.IsGrainService();

    [LoggerMessage(EventId = 1501, Level = LogLevel.Debug, Message = "{Interface}.{Method} was rejected before it ran (attempt {Attempt}); retrying in {BackoffMs} ms: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string @interface, string method, int attempt, double backoffMs, string reason);
}
