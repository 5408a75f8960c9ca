namespace OrleansFabric.Silo.Metrics;

/// <summary>How an instrument's measurements aggregate and which Prometheus type it exports as.</summary>
internal enum InstrumentKind
{
    /// <summary>Counter, observable counter: a monotonic total (<c>counter</c>).</summary>
    Counter,

    /// <summary>Up-down counter: a sum that may fall (<c>gauge</c>).</summary>
    UpDownCounter,

    /// <summary>Gauge, observable gauge, observable up-down counter: the last value (<c>gauge</c>).</summary>
    Gauge,

    /// <summary>Histogram: cumulative buckets, sum and count (<c>histogram</c>).</summary>
    Histogram,
}
