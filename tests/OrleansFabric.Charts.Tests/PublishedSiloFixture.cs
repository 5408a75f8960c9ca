namespace OrleansFabric.Charts.Tests;

/// <summary>
/// The silo published exactly as the Dockerfile's build stage publishes it
/// (<c>dotnet publish src/OrleansFabric.Silo -c Release -o DIR</c>), once per test class, into a
/// temporary directory deleted afterwards.
/// </summary>
public sealed class PublishedSiloFixture : IAsyncLifetime
{
    public string OutputDirectory { get; } = Path.Combine(Path.GetTempPath(), $"orleansfabric-publish-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        // The test project references the silo, so its Release build is already up to date and
        // this publish mostly copies; --disable-build-servers leaves no compiler server behind.
        var publish = await ProcessRunner.RunAsync(
            "dotnet",
            ["publish", "src/OrleansFabric.Silo", "-c", "Release", "-o", OutputDirectory, "--nologo", "--disable-build-servers"],
            TimeSpan.FromMinutes(5));
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"Publishing the silo failed: {publish.Describe()}");
        }
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(OutputDirectory))
        {
            Directory.Delete(OutputDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }
}
