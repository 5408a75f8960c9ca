namespace OrleansFabric.Benchmarks;

/// <summary>Writes its state on every call; one turn per call.</summary>
public interface IWriterGrain : IGrainWithStringKey
{
    Task<int> WriteAsync(int value);
}

/// <summary>The same, with group commit: calls that arrive during a write share the next one.</summary>
public interface IGroupWriterGrain : IGrainWithStringKey
{
    Task<int> WriteAsync(int value);
}
