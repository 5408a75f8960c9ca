using OrleansFabric.Runtime;

namespace OrleansFabric.Benchmarks;

public sealed class WriterState
{
    public int Last { get; set; }

    public long Writes { get; set; }
}

public sealed class WriterGrain([PersistentState("writer")] IPersistentState<WriterState> state) : Grain, IWriterGrain
{
    public async Task<int> WriteAsync(int value)
    {
        state.State.Last = value;
        state.State.Writes++;
        await state.WriteStateAsync();
        return value;
    }
}

[GroupCommit]
public sealed class GroupWriterGrain([PersistentState("writer")] IPersistentState<WriterState> state) : Grain, IGroupWriterGrain
{
    public async Task<int> WriteAsync(int value)
    {
        state.State.Last = value;
        state.State.Writes++;
        await state.WriteStateAsync();
        return value;
    }
}
