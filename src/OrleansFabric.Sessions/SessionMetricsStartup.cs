using Microsoft.Extensions.Hosting;

namespace OrleansFabric.Sessions;

/// <summary>
/// Creates the session instruments when the host starts (after the metric exporters, which are
/// registered before the sessions), not at the first session activation, and reports them at zero.
/// </summary>
internal sealed class SessionMetricsStartup(SessionMetrics metrics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.ReportZeros();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
