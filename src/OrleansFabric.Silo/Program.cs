using Microsoft.Extensions.Options;
using OrleansFabric.Silo.Hosting;

try
{
    var app = SiloApplication.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (exception is OptionsValidationException or SiloConfigurationException)
{
    // A bad setting stops the silo with a message naming the key, not a stack trace.
    await Console.Error.WriteLineAsync($"orleansfabric: cannot start: {exception.Message}");
    return 2;
}

/// <summary>The silo's entry point (public for in-process tests).</summary>
public partial class Program;
