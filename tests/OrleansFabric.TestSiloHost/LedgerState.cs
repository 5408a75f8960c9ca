namespace OrleansFabric.TestSiloHost;

public sealed class LedgerState
{
    public List<string> Operations { get; set; } = [];
}
