namespace OrleansFabric.Silo.Api;

/// <summary>A completed turn's answer in <see cref="TurnResponse"/>.</summary>
/// <param name="Text">The response text.</param>
public sealed record TurnResponseText(string Text);
