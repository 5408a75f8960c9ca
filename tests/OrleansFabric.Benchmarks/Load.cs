namespace OrleansFabric.Benchmarks;

/// <summary>The wrk settings every ingest target gets: the same script, connections, threads and measured seconds.</summary>
internal sealed class Load(string wrk, string script, int connections, int seconds, int threads)
{
    public int Connections => connections;

    public int Seconds => seconds;

    /// <summary>One wrk run of <paramref name="runSeconds"/> against <paramref name="url"/>; <paramref name="run"/> names it in the message ids.</summary>
    public Task<WrkResult> RunAsync(Uri url, int runSeconds, string run) => Wrk.RunAsync(wrk, script, url, connections, runSeconds, threads, run);
}
