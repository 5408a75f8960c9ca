namespace OrleansFabric.Cli;

/// <summary>The arguments do not form a valid command; the message says what is wrong.</summary>
internal sealed class UsageException(string message) : Exception(message);
