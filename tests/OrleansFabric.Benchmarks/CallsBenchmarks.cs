using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// Orleans' local-call rate and bytes allocated per call: an in-process silo (Localhost
/// clustering on free loopback ports) with <see cref="NoopGrain"/>, callers that are not grains,
/// each awaiting its call before the next, calls spread at random over the grains.
/// </summary>
internal static class CallsBenchmarks
{
    public static async Task RunAsync(Options options)
    {
        var grains = options.Int("grains", 10_000);
        var seconds = options.Int("seconds", 10);
        var rounds = options.Int("rounds", 3);
        var callerCounts = options.Get("callers", "1024").Split(',').Select(value => int.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        var activations = options.Int("activations", 100_000);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo.UseLocalhostClustering(FreePort.Next(), FreePort.Next()));
        using var host = builder.Build();
        await host.StartAsync();
        var factory = host.Services.GetRequiredService<IGrainFactory>();
        if (activations > 0)
        {
            await MeasureActivationsAsync(factory, activations);
        }

        var references = Enumerable.Range(0, grains).Select(i => factory.GetGrain<INoopGrain>($"g{i}")).ToArray();
        await Task.WhenAll(references.Select(grain => grain.NoopAsync()));

        Console.WriteLine("| method | callers | grains | round | calls/s | p50 µs | p99 µs | bytes allocated/call | machine idle | stolen |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var summary = new List<string>();
        foreach (var method in new[] { "Task", "ValueTask<int>" })
        {
            foreach (var callers in callerCounts)
            {
                await MeasureAsync(references, callers, TimeSpan.FromSeconds(Math.Max(2, seconds / 2)), method, round: 0);
                var results = new List<(double Rate, double Bytes)>();
                for (var round = 1; round <= rounds; round++)
                {
                    results.Add(await MeasureAsync(references, callers, TimeSpan.FromSeconds(seconds), method, round));
                }

                var rate = results.Select(result => result.Rate).Order().ElementAt(results.Count / 2);
                var bytes = results.Select(result => result.Bytes).Order().ElementAt(results.Count / 2);
                summary.Add(string.Create(CultureInfo.InvariantCulture, $"{method}, {callers} callers: median {rate:N0} calls/s, {bytes:F0} bytes/call over {rounds} rounds"));
            }
        }

        summary.ForEach(Console.WriteLine);
        await host.StopAsync();
    }

    /// <summary>
    /// The managed heap one idle activation of a grain with no state and no fields of its own
    /// holds: the heap after full collections before and after <paramref name="count"/> such
    /// activations (each made by one call, and kept: Orleans' default collection age is 15
    /// minutes), per activation. Orleans' own cost of an activation, the floor under every grain.
    /// </summary>
    private static async Task MeasureActivationsAsync(IGrainFactory factory, int count)
    {
        var before = FullyCollectedHeap();
        const int Concurrency = 64;
        for (var start = 0; start < count; start += Concurrency)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(Concurrency, count - start)).Select(i => factory.GetGrain<INoopGrain>($"idle-{i}").NoopAsync()));
        }

        var after = FullyCollectedHeap();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{count:N0} idle activations of a grain with no state: managed heap {before / 1e6:F1} MB -> {after / 1e6:F1} MB, {(after - before) / (double)count:N0} bytes per activation"));
    }

    /// <summary>The heap after two full blocking, compacting collections (fragmentation included, as the silo's gauge reports it).</summary>
    private static long FullyCollectedHeap()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetGCMemoryInfo().HeapSizeBytes;
    }

    /// <summary>One bounded run: every caller stops at the deadline.</summary>
    private static async Task<(double Rate, double Bytes)> MeasureAsync(INoopGrain[] grains, int callers, TimeSpan duration, string method, int round)
    {
        var histograms = Enumerable.Range(0, callers).Select(_ => new LatencyHistogram()).ToArray();
        var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var useValueTask = method != "Task";
        GC.Collect();
        var cpuBefore = CpuTimes.Sample(0, 0);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(() => CallerAsync(grains, histograms[caller], caller, stop, useValueTask))));
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var (idle, stolen) = CpuTimes.Sample(0, 0).MachineShares(cpuBefore);
        var total = new LatencyHistogram();
        foreach (var histogram in histograms)
        {
            total.Merge(histogram);
        }

        var rate = total.Count / clock.Elapsed.TotalSeconds;
        var bytes = (double)allocated / Math.Max(1, total.Count);
        if (round > 0)
        {
            var toMicroseconds = 1_000_000.0 / Stopwatch.Frequency;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {method} | {callers} | {grains.Length} | {round} | {rate:N0} | {total.Quantile(0.5) * toMicroseconds:F1} | {total.Quantile(0.99) * toMicroseconds:F1} | {bytes:F0} | {idle:P0} | {stolen:P0} |"));
        }

        return (rate, bytes);
    }

    private static async Task CallerAsync(INoopGrain[] grains, LatencyHistogram histogram, int seed, long stop, bool useValueTask)
    {
        var random = (uint)(seed * 2654435761u) | 1;
        // Bounded in time (the deadline) and in count (at most 100 M calls per caller).
        for (var batch = 0; batch < 1_562_500; batch++)
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
}
