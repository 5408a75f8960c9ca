namespace OrleansFabric.Cli.Api;

/// <summary>No URL of the cluster answered; one line per URL says why (<c>cannot reach http://…: connection refused</c>).</summary>
internal sealed class FabricUnreachableException(IReadOnlyList<string> failures) : Exception(string.Join(Environment.NewLine, failures))
{
    public IReadOnlyList<string> Failures { get; } = failures;
}
