using Microsoft.Extensions.Configuration;
using OrleansFabric.Silo.Api;

namespace OrleansFabric.Silo.Tests;

/// <summary>Turns test settings into command-line arguments and bound options.</summary>
internal static class Settings
{
    public static IEnumerable<string> Arguments(IReadOnlyDictionary<string, string?> settings) =>
        settings.Where(pair => pair.Value is not null).Select(pair => $"--{pair.Key}={pair.Value}");

    public static ApiOptions Api(IReadOnlyDictionary<string, string?> settings)
    {
        var options = new ApiOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(ApiOptions.Section).Bind(options);
        return options;
    }
}
