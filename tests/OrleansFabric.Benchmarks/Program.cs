using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.Benchmarks;
using OrleansFabric.Runtime.Hosting;
using OrleansFabric.TestKit;

// Load benchmarks of the grain runtime on the embedded silo. Results are Markdown rows for
// docs/benchmarks.md. Usage:
//   dotnet run -c Release --project tests/OrleansFabric.Benchmarks -- calls [--callers 1,64,1024] [--grains 10000] [--seconds 10]
//   dotnet run -c Release --project tests/OrleansFabric.Benchmarks -- memory [--activations 100000]
//   dotnet run -c Release --project tests/OrleansFabric.Benchmarks -- writes [--callers 32] [--grains 8] [--seconds 10]
//   dotnet run -c Release --project tests/OrleansFabric.Benchmarks -- forward [--callers 4] [--seconds 10]
//   dotnet run -c Release --project tests/OrleansFabric.Benchmarks -- failover [--rounds 3]
//   dotnet run -c Release --project tests/OrleansFabric.Benchmarks -- sessions [--scale 0.2] [--sessions 50] [--degraded-sessions 200]
//   dotnet run -c Release --project tests/OrleansFabric.Benchmarks -- overhead [--rate 2000] [--seconds 10] [--postgres-rate 2000]
//   dotnet run -c Release --project tests/OrleansFabric.Benchmarks -- batches [--concurrency 32] [--batches 100] [--profile true]
//   dotnet run -c Release --project tests/OrleansFabric.Benchmarks -- ingest [--connections 64] [--seconds 10] [--threads 2] [--sessions 10000] [--warmup 10] [--targets kestrel,embedded,postgres,kestrel-postgres] [--rounds 1] [--server-gc true]   (needs wrk)
var command = args.FirstOrDefault() ?? "calls";
var options = Options.Parse(args.Skip(1).ToArray());
Console.WriteLine($"# {command} on {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");
switch (command)
{
    case "calls":
        await CallsAsync(options);
        break;
    case "memory":
        await MemoryAsync(options);
        break;
    case "writes":
        await ClusterBenchmarks.WritesAsync(options.Int("callers", 32), options.Int("seconds", 10), options.Int("grains", 8));
        break;
    case "forward":
        await ClusterBenchmarks.ForwardAsync(options.Int("seconds", 10), options.Int("callers", 4));
        break;
    case "failover":
        await ClusterBenchmarks.FailoverAsync(options.Int("rounds", 3));
        break;
    case "sessions":
        await SessionBenchmarks.CompareAsync(double.Parse(options.Get("scale", "0.2"), CultureInfo.InvariantCulture), options.Int("sessions", 50), options.Int("degraded-sessions", 200));
        break;
    case "overhead":
        await SessionBenchmarks.OverheadAsync(options.Int("rate", 2000), options.Int("seconds", 10), options.Int("postgres-rate", 2000));
        break;
    case "batches":
        await BatchBenchmarks.RunAsync(options.Int("concurrency", 32), options.Int("batches", 100), options.Get("profile", "false") == "true");
        break;
    case "ingest":
        if (options.Get("server-gc", "true") == "true" && !System.Runtime.GCSettings.IsServerGC)
        {
            return await IngestBenchmarks.RunUnderServerGcAsync(args);
        }

        return await IngestBenchmarks.RunAsync(options.Int("connections", 64), options.Int("seconds", 10), options.Int("threads", 2), options.Int("sessions", 10_000), options.Int("warmup", 10), options.Get("targets", "kestrel,embedded,postgres,kestrel-postgres"), options.Int("rounds", 1));
    default:
        Console.Error.WriteLine("usage: calls|memory|writes|forward|failover|sessions|overhead|batches|ingest [--callers …] [--grains 10000] [--seconds 10] [--activations 100000] [--rounds 3] [--concurrency 32] [--batches 100] [--profile true] [--scale 0.2] [--rate 2000] [--connections 64] [--threads 2] [--sessions 10000] [--warmup 10] [--targets kestrel,embedded,postgres,kestrel-postgres] [--server-gc true]");
        return 2;
}

return 0;

static Task<TestSilo> StartSiloAsync() =>
    TestSilo.StartAsync(services => services.AddGrain<INoopGrain, NoopGrain>());

static async Task CallsAsync(Options options)
{
    var grains = options.Int("grains", 10_000);
    var seconds = options.Int("seconds", 10);
    var callerCounts = options.Get("callers", "1,64,1024").Split(',').Select(int.Parse).ToArray();
    await using var silo = await StartSiloAsync();
    var references = Enumerable.Range(0, grains).Select(i => silo.GrainFactory.GetGrain<INoopGrain>($"g{i}")).ToArray();
    await Task.WhenAll(references.Select(grain => grain.NoopAsync()));

    Console.WriteLine("| method | callers | grains | calls/s | p50 µs | p99 µs | bytes allocated/call |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
    foreach (var method in new[] { "Task", "ValueTask<int>" })
    {
        foreach (var callers in callerCounts)
        {
            await RunAsync(references, callers, TimeSpan.FromSeconds(Math.Max(1, seconds / 5)), method, report: false);
            await RunAsync(references, callers, TimeSpan.FromSeconds(seconds), method, report: true);
        }
    }
}

static async Task RunAsync(INoopGrain[] grains, int callers, TimeSpan duration, string method, bool report)
{
    var histograms = Enumerable.Range(0, callers).Select(_ => new LatencyHistogram()).ToArray();
    var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    var useValueTask = method != "Task";
    GC.Collect();
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(() => CallerAsync(grains, histograms[caller], caller, stop, useValueTask))));
    clock.Stop();
    var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
    if (!report)
    {
        return;
    }

    var total = new LatencyHistogram();
    foreach (var histogram in histograms)
    {
        total.Merge(histogram);
    }

    var toMicroseconds = 1_000_000.0 / Stopwatch.Frequency;
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"| {method} | {callers} | {grains.Length} | {total.Count / clock.Elapsed.TotalSeconds:N0} | {total.Quantile(0.5) * toMicroseconds:F1} | {total.Quantile(0.99) * toMicroseconds:F1} | {(double)allocated / total.Count:F0} |"));
}

static async Task CallerAsync(INoopGrain[] grains, LatencyHistogram histogram, int seed, long stop, bool useValueTask)
{
    var random = (uint)(seed * 2654435761u) | 1;
    while (true)
    {
        for (var i = 0; i < 64; i++)
        {
            random ^= random << 13;
            random ^= random >> 17;
            random ^= random << 5;
            var grain = grains[random % (uint)grains.Length];
            var started = Stopwatch.GetTimestamp();
            if (useValueTask)
            {
                await grain.EchoAsync(i);
            }
            else
            {
                await grain.NoopAsync();
            }

            histogram.Record(Stopwatch.GetTimestamp() - started);
        }

        if (Stopwatch.GetTimestamp() > stop)
        {
            return;
        }
    }
}

static async Task MemoryAsync(Options options)
{
    var count = options.Int("activations", 100_000);
    await using var silo = await StartSiloAsync();
    await silo.GrainFactory.GetGrain<INoopGrain>("warm-up").NoopAsync();
    var before = GC.GetTotalMemory(forceFullCollection: true);
    for (var start = 0; start < count; start += 1000)
    {
        await Task.WhenAll(Enumerable.Range(start, Math.Min(1000, count - start)).Select(i => silo.GrainFactory.GetGrain<INoopGrain>($"idle-{i}").NoopAsync()));
    }

    var after = GC.GetTotalMemory(forceFullCollection: true);
    Console.WriteLine("| idle activations | managed heap growth MB | bytes per activation |");
    Console.WriteLine("|---:|---:|---:|");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {count:N0} | {(after - before) / 1048576.0:F1} | {(after - before) / (double)count:F0} |"));
}

/// <summary>Command-line options of the form --name value.</summary>
internal sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Options(values);
    }

    public string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) => values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
