using Microsoft.Extensions.Options;

namespace OrleansFabric.Runtime.Hosting;

/// <summary>Checks the runtime's settings at start-up; a bad value stops the silo with a message naming the key.</summary>
internal sealed class FabricOptionsValidator :
    IValidateOptions<GrainsOptions>,
    IValidateOptions<ShutdownOptions>,
    IValidateOptions<ClusteringOptions>
{
    public ValidateOptionsResult Validate(string? name, GrainsOptions options) =>
        options.IdleTimeoutSeconds is < 1 or > 7 * 24 * 3600
            ? ValidateOptionsResult.Fail($"{GrainsOptions.Section}:IdleTimeoutSeconds must be between 1 and 604800 (got {options.IdleTimeoutSeconds}).")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, ShutdownOptions options)
    {
        var failures = new List<string>();
        if (options.DeadlineSeconds is < 1 or > 3600)
        {
            failures.Add($"{ShutdownOptions.Section}:DeadlineSeconds must be between 1 and 3600 (got {options.DeadlineSeconds}).");
        }

        if (options.DrainSeconds < 0 || options.DrainSeconds >= options.DeadlineSeconds)
        {
            failures.Add($"{ShutdownOptions.Section}:DrainSeconds must be between 0 and DeadlineSeconds - 1 (got {options.DrainSeconds}).");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }

    public ValidateOptionsResult Validate(string? name, ClusteringOptions options)
    {
        var failures = new List<string>();
        if (options.PartitionCount is < 1 or > 65536)
        {
            failures.Add($"{ClusteringOptions.Section}:PartitionCount must be between 1 and 65536 (got {options.PartitionCount}).");
        }

        if (!string.Equals(options.Provider, ClusteringOptions.InMemoryProvider, StringComparison.OrdinalIgnoreCase) && !options.IsCluster)
        {
            failures.Add($"{ClusteringOptions.Section}:Provider must be '{ClusteringOptions.InMemoryProvider}' or '{ClusteringOptions.PostgreSqlProvider}' (got '{options.Provider}').");
        }

        if (options.IsCluster)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                failures.Add($"{ClusteringOptions.Section}:ConnectionString is required with the {ClusteringOptions.PostgreSqlProvider} provider.");
            }

            if (string.IsNullOrEmpty(options.ClusterSecret) || options.ClusterSecret.Length < 16)
            {
                failures.Add($"{ClusteringOptions.Section}:ClusterSecret is required with the {ClusteringOptions.PostgreSqlProvider} provider and must be at least 16 characters.");
            }
        }

        if (options.LeaseTtlSeconds is < 2 or > 300)
        {
            failures.Add($"{ClusteringOptions.Section}:LeaseTtlSeconds must be between 2 and 300 (got {options.LeaseTtlSeconds}).");
        }

        if (options.DeadSiloRetentionMinutes is < 5 or > 10080)
        {
            failures.Add($"{ClusteringOptions.Section}:DeadSiloRetentionMinutes must be between 5 and 10080, a week (got {options.DeadSiloRetentionMinutes}).");
        }

        if (options.SiloPort is < 0 or > 65535)
        {
            failures.Add($"{ClusteringOptions.Section}:SiloPort must be between 0 and 65535 (got {options.SiloPort}).");
        }

        if (options.CallTimeoutSeconds is < 1 or > 600)
        {
            failures.Add($"{ClusteringOptions.Section}:CallTimeoutSeconds must be between 1 and 600 (got {options.CallTimeoutSeconds}).");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
