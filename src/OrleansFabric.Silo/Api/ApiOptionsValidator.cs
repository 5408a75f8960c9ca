using Microsoft.Extensions.Options;
using OrleansFabric.Silo.Hosting;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// Checks <c>Fabric:Api</c> at start-up: every key has a secret and at least one scope, no key
/// is configured twice, and a silo without keys listens only on loopback unless
/// <c>AllowAnonymous</c> says the open API is intended.
/// </summary>
internal sealed class ApiOptionsValidator(IConfiguration configuration) : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            if (string.IsNullOrWhiteSpace(key.Key))
            {
                failures.Add($"{ApiOptions.Section}:Keys:{i}:Key is empty.");
                continue;
            }

            if (!seen.TryAdd(key.Key, i))
            {
                failures.Add($"{ApiOptions.Section}:Keys:{i}:Key is the same key as {ApiOptions.Section}:Keys:{seen[key.Key]}:Key.");
            }

            if (!key.Tenants.Any(tenant => !string.IsNullOrWhiteSpace(tenant)))
            {
                failures.Add($"{ApiOptions.Section}:Keys:{i}:Tenants must list at least one tenant id, '*' (everything) or 'batches'.");
            }
        }

        if (options.Keys.Count == 0 && !options.AllowAnonymous && ListenAddresses.From(configuration).FirstExposed is { } exposed)
        {
            failures.Add(
                $"refusing to listen on '{exposed}' without API keys: anyone who can reach it could use the API. " +
                $"Configure {ApiOptions.Section}:Keys (for example Fabric__Api__Keys__0__Key=<secret> and Fabric__Api__Keys__0__Tenants__0=*), " +
                $"listen on localhost only, or set {ApiOptions.Section}:AllowAnonymous=true.");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
