namespace OrleansFabric.Cli.Api;

/// <summary>One event of <c>GET /v1/batches/{id}/events</c> (its payload is shown only with <c>--json</c>).</summary>
internal sealed record BatchEventInfo(long Seq, string Type, DateTimeOffset At);
