using OrleansFabric.Silo.Hosting;

try
{
    var app = SiloApplication.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (StartupFailure.Describe(exception) is { } message)
{
    // A bad setting or an address that cannot be bound stops the silo with one clear
    // message (naming the key), not a stack trace.
    await Console.Error.WriteLineAsync($"orleansfabric: cannot start: {message}");
    return StartupFailure.ExitCode;
}

/// <summary>The silo's entry point (public for in-process tests with WebApplicationFactory).</summary>
public partial class Program;
