using System.Diagnostics;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// One side's measured round of the batch benchmark: the sum of its passes (each a fresh
/// workload, loaded, then checked against its final state), their latencies in one histogram,
/// the CPU each process spent during the loads and the GC pauses of this process meanwhile.
/// Registration and verification between passes are not measured.
/// </summary>
internal sealed class BatchRound(string name)
{
    private readonly List<string> _errorSamples = [];
    private double _server;
    private double _postgreSql;
    private double _client;
    private double _idleSeconds;
    private double _stolenSeconds;

    public LatencyHistogram Latencies { get; } = new();

    public int Passes { get; private set; }

    public TimeSpan Elapsed { get; private set; }

    public TimeSpan ClientGcPause { get; private set; }

    public int ClientGcCount { get; private set; }

    private int Events { get; set; }

    private int Assigned { get; set; }

    private int AlreadyAssigned { get; set; }

    private int NoSlot { get; set; }

    private int Duplicates { get; set; }

    private int Errors { get; set; }

    private int CompleteBatches { get; set; }

    private int Batches { get; set; }

    /// <summary>The CPU of the round's loads, per process, and the machine's idle and stolen shares (weighted by each pass's time).</summary>
    public CpuSpent Cpu
    {
        get
        {
            var seconds = Math.Max(1e-9, Elapsed.TotalSeconds);
            return new CpuSpent(_server, _postgreSql, _client, (_idleSeconds / seconds, _stolenSeconds / seconds));
        }
    }

    /// <summary>Adds one pass: its summary (latencies already recorded in <see cref="Latencies"/>), its CPU and this process's GC pauses during its load.</summary>
    public void Add(BatchRunResult pass, CpuSpent cpu, TimeSpan gcPause, int gcCount)
    {
        Passes++;
        Elapsed += pass.Elapsed;
        Events += pass.Events;
        Assigned += pass.Assigned;
        AlreadyAssigned += pass.AlreadyAssigned;
        NoSlot += pass.NoSlot;
        Duplicates += pass.Duplicates;
        Errors += pass.Errors;
        CompleteBatches += pass.CompleteBatches;
        Batches += pass.Batches;
        _errorSamples.AddRange(pass.ErrorSamples.Take(5 - Math.Min(5, _errorSamples.Count)));
        _server += cpu.Server;
        _postgreSql += cpu.PostgreSql;
        _client += cpu.Client;
        _idleSeconds += cpu.Shares.Idle * pass.Elapsed.TotalSeconds;
        _stolenSeconds += cpu.Shares.Stolen * pass.Elapsed.TotalSeconds;
        ClientGcPause += gcPause;
        ClientGcCount += gcCount;
    }

    /// <summary>The round as one result: rates over the passes' summed load time, quantiles over all their events.</summary>
    public BatchRunResult ToResult()
    {
        var toMs = 1000.0 / Stopwatch.Frequency;
        return new BatchRunResult(
            name,
            Elapsed,
            Events,
            Assigned,
            AlreadyAssigned,
            NoSlot,
            Latencies.Quantile(0.5) * toMs,
            Latencies.Quantile(0.99) * toMs,
            Duplicates,
            Errors,
            CompleteBatches,
            Batches,
            [.. _errorSamples])
        {
            P999Ms = Latencies.Quantile(0.999) * toMs,
        };
    }
}
