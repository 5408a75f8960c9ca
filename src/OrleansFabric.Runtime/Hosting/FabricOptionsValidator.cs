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

    public ValidateOptionsResult Validate(string? name, ShutdownOptions options) =>
        options.DeadlineSeconds is < 1 or > 3600
            ? ValidateOptionsResult.Fail($"{ShutdownOptions.Section}:DeadlineSeconds must be between 1 and 3600 (got {options.DeadlineSeconds}).")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, ClusteringOptions options)
    {
        var failures = new List<string>();
        if (options.PartitionCount is < 1 or > 65536)
        {
            failures.Add($"{ClusteringOptions.Section}:PartitionCount must be between 1 and 65536 (got {options.PartitionCount}).");
        }

        if (!string.Equals(options.Provider, ClusteringOptions.InMemoryProvider, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{ClusteringOptions.Section}:Provider '{options.Provider}' is not available in this build; use '{ClusteringOptions.InMemoryProvider}'.");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
