namespace OrleansFabric.Runtime.Persistence;

/// <summary>A stored grain state: its JSON payload (UTF-8) and ETag.</summary>
public sealed record GrainStateRecord(ReadOnlyMemory<byte> Payload, string ETag);
