namespace OrleansFabric.Runtime.Tests.Grains;

public interface ISequenceGrain : IGrainWithStringKey
{
    Task RecordAsync(int caller, int sequence);

    Task<SequenceReport> GetReportAsync();
}
