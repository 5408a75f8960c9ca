namespace OrleansFabric.Cli.Api;

/// <summary><c>PUT /v1/batches/{id}</c> with generated essay ids.</summary>
internal sealed record BatchRegistration(int ExpectedCount, int TimeoutSeconds);
