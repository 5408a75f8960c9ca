using Microsoft.Extensions.Options;

namespace OrleansFabric.Silo.Hosting;

/// <summary>Recognises the start-up failures that deserve a one-line message rather than a crash report.</summary>
internal static class StartupFailure
{
    /// <summary>The process exit code for a silo that refused to start.</summary>
    public const int ExitCode = 2;

    /// <summary>The message for a known start-up failure, or null for anything else (which then crashes with its trace).</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        SiloConfigurationException configuration => configuration.Message,
        OptionsValidationException validation => string.Join(Environment.NewLine, validation.Failures),
        AggregateException aggregate when aggregate.InnerExceptions.All(inner => inner is OptionsValidationException) =>
            string.Join(Environment.NewLine, aggregate.InnerExceptions.SelectMany(inner => ((OptionsValidationException)inner).Failures)),
        IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException } inUse => inUse.Message,
        _ => null,
    };
}
