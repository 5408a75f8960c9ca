namespace OrleansFabric.Runtime.Persistence;

/// <summary>
/// A stored grain state: its JSON payload (UTF-8), its ETag and the journal entries appended
/// since the payload was written, oldest first.
/// </summary>
public sealed record GrainStateRecord(ReadOnlyMemory<byte> Payload, string ETag)
{
    /// <summary>Entries appended after <see cref="Payload"/>, in append order; empty when none.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Journal { get; init; } = [];
}
