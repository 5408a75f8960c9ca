using Microsoft.Extensions.Hosting;

namespace OrleansFabric.Silo.Cluster;

/// <summary>Runs on the silo its key names; draining stops the host, which stops the silo gracefully.</summary>
[SiloByKeyPlacement]
internal sealed partial class SiloControlGrain(IHostApplicationLifetime lifetime, ILocalSiloDetails local, ILogger<SiloControlGrain> logger) : Grain, ISiloControlGrain
{
    public Task DrainAsync()
    {
        if (this.GetPrimaryKeyString() != local.SiloAddress.ToParsableString())
        {
            // Placed elsewhere only if the silo named is gone: nothing to drain here.
            throw new InvalidOperationException($"Silo {this.GetPrimaryKeyString()} is not in the cluster any more.");
        }

        LogDraining(logger, local.SiloAddress.ToParsableString());

        // After this call has answered: the host's stop deactivates every grain (this one too).
        _ = Task.Run(lifetime.StopApplication);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Silo {SiloId} drains on request: it deactivates its grains, leaves the cluster and exits")]
    private static partial void LogDraining(ILogger logger, string siloId);
}
