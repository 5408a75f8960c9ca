namespace OrleansFabric.Cli.Api;

/// <summary>A turn's response.</summary>
internal sealed record TurnText(string Text);
