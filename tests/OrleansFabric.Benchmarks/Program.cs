using OrleansFabric.Benchmarks;

// Load benchmarks of the fabric on Orleans; results are Markdown rows for docs/benchmarks.md.
// Build the solution in Release, then run from the build output (it starts the silo from its own
// build output beside it):
//   dotnet tests/OrleansFabric.Benchmarks/bin/Release/net10.0/OrleansFabric.Benchmarks.dll <command> [--option value ...]
// Commands (see docs/benchmarks.md for each one's options and what it measures):
//   ingest    [--connections 64] [--seconds 10] [--threads 2] [--sessions 10000] [--warmup 10] [--silo-warmup 20] [--rounds 3] [--targets kestrel,kestrel-grain,embedded,postgres,postgres-orleans,kestrel-postgres] [--server-gc true]   (needs wrk)
//   batches   [--concurrency 32] [--batches 100] [--rounds 3] [--warmup-seconds 20] [--round-seconds 15] [--silo-gc default|server|workstation] [--journal-prepare true]
//   sessions  [--scale 0.2] [--sessions 50] [--degraded-sessions 200]
//   failover  [--rounds 3] [--grains 200] [--silo-logs DIR]
//   writes    [--messages 200] [--long-history 1000]
//   calls     [--callers 1024] [--grains 10000] [--seconds 10] [--rounds 3]
//   scale     [--silos 1,2,3] [--connections 64] [--threads 2] [--seconds 10] [--silo-warmup 20] [--sessions 10000] [--rounds 3]   (needs wrk)
//   memory    [--sessions 100000] [--activation message|read] [--persistence memory|postgres] [--concurrency 32] [--checkpoints 10000,100000] [--dump auto|false] [--minutes 30]
var command = args.FirstOrDefault() ?? "help";
var options = Options.Parse([.. args.Skip(1)]);
Console.WriteLine($"# {command} on {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage.Read()}");
switch (command)
{
    case "ingest":
        if (options.Get("server-gc", "true") == "true" && !System.Runtime.GCSettings.IsServerGC)
        {
            return await IngestBenchmarks.RunUnderServerGcAsync(args);
        }

        return await IngestBenchmarks.RunAsync(options);
    case "batches":
        return await BatchBenchmarks.RunAsync(options);
    case "sessions":
        return await SessionBenchmarks.RunAsync(options);
    case "failover":
        return await FailoverBenchmarks.RunAsync(options);
    case "writes":
        return await WritesBenchmarks.RunAsync(options);
    case "calls":
        await CallsBenchmarks.RunAsync(options);
        return 0;
    case "memory":
        return await MemoryBenchmarks.RunAsync(options);
    case "scale":
        return await ScaleBenchmarks.RunAsync(options);
    default:
        Console.Error.WriteLine("usage: OrleansFabric.Benchmarks ingest|batches|sessions|failover|writes|calls|memory|scale [--option value ...] (see docs/benchmarks.md)");
        return 2;
}
