using OrleansFabric.Cli;

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the command, which prints what it has; a second one kills the process.
    if (!interrupted.IsCancellationRequested)
    {
        e.Cancel = true;
        interrupted.Cancel();
    }
};

return await FabricCommand.RunAsync(args, Console.Out, Console.Error, CliEnvironment.FromProcess(), interrupted.Token);
