using System.Net;
using System.Text.Json;
using OrleansFabric.TestKit;

namespace OrleansFabric.Charts.Tests;

/// <summary>
/// The container image, tested without a container engine: the Dockerfile's stages, and the
/// published silo started the way the image's ENTRYPOINT and ENV start it.
/// </summary>
public sealed class ContainerImageTests(PublishedSiloFixture published) : IClassFixture<PublishedSiloFixture>
{
    private static readonly Dockerfile s_dockerfile = Dockerfile.Parse(File.ReadAllText(Repository.PathOf("Dockerfile")));

    private static DockerStage Build => s_dockerfile.Stages[0];

    private static DockerStage Runtime => s_dockerfile.Stages[^1];

    [Fact]
    public void Dockerfile_publishes_the_silo_in_an_sdk_stage_and_runs_it_as_a_non_root_user_on_aspnet()
    {
        Assert.Equal(2, s_dockerfile.Stages.Count);
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", Build.Image);
        Assert.Equal("build", Build.Name);
        Assert.Contains("dotnet publish src/OrleansFabric.Silo -c Release -o /app", Build.ArgumentsOf("RUN"));
        foreach (var source in Build.ArgumentsOf("COPY").SelectMany(copy => copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]))
        {
            Assert.True(File.Exists(Repository.PathOf(source)) || Directory.Exists(Repository.PathOf(source)), $"COPY source {source} is not in the repository");
        }

        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", Runtime.Image);
        Assert.Contains("--from=build /app ./", Runtime.ArgumentsOf("COPY"));
        Assert.Equal("/app", Assert.Single(Runtime.ArgumentsOf("WORKDIR")));
        // The aspnet image's non-root `app` user; the chart's runAsUser (1654) is its uid.
        Assert.Equal("$APP_UID", Assert.Single(Runtime.ArgumentsOf("USER")));
        Assert.Equal(["8080", "11111"], Runtime.ArgumentsOf("EXPOSE").SelectMany(ports => ports.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("http://+:8080", ImageEnvironment()["ASPNETCORE_URLS"]);
        Assert.Equal(["dotnet", "OrleansFabric.Silo.dll"], Entrypoint());
    }

    [Fact]
    public void Entrypoint_assembly_and_its_runtime_config_are_in_the_publish_output()
    {
        var assembly = Entrypoint()[1];

        Assert.True(File.Exists(Path.Combine(published.OutputDirectory, assembly)), $"{assembly} is not in {published.OutputDirectory}");
        Assert.True(File.Exists(Path.Combine(published.OutputDirectory, Path.ChangeExtension(assembly, ".runtimeconfig.json"))));
        Assert.True(File.Exists(Path.Combine(published.OutputDirectory, "appsettings.json")));
    }

    [Fact]
    public void Dockerignore_keeps_build_outputs_out_of_the_context_and_the_copied_sources_in()
    {
        var ignored = File.ReadAllLines(Repository.PathOf(".dockerignore"))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToList();

        Assert.Contains("**/bin", ignored);
        Assert.Contains("**/obj", ignored);
        Assert.Contains(".git", ignored);
        foreach (var source in Build.ArgumentsOf("COPY").SelectMany(copy => copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]))
        {
            Assert.DoesNotContain(source.TrimEnd('/'), ignored);
        }
    }

    [Fact]
    public async Task Published_silo_turns_ready_when_started_as_the_image_starts_it()
    {
        var port = FreePort.Next();
        var home = Directory.CreateTempSubdirectory("orleansfabric-home-");
        try
        {
            // The image listens on every interface, so (like the chart) it is given an API key.
            var environment = ImageEnvironment(port);
            environment["HOME"] = home.FullName;
            environment["Fabric__Api__Keys__0__Key"] = Guid.NewGuid().ToString("N");
            environment["Fabric__Api__Keys__0__Tenants__0"] = "*";
            await using var silo = SiloProcess.Start(Path.Combine(published.OutputDirectory, Entrypoint()[1]), port, environment, arguments: []);

            await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            using var client = new HttpClient { BaseAddress = silo.Address, Timeout = TimeSpan.FromSeconds(5) };
            using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            using var cluster = await client.GetAsync(new Uri("/v1/cluster", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, cluster.StatusCode);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Published_silo_without_api_keys_refuses_the_images_address_with_a_clear_message()
    {
        var port = FreePort.Next();
        var home = Directory.CreateTempSubdirectory("orleansfabric-home-");
        try
        {
            var environment = ImageEnvironment(port);
            environment["HOME"] = home.FullName;
            await using var silo = SiloProcess.Start(Path.Combine(published.OutputDirectory, Entrypoint()[1]), port, environment, arguments: []);

            Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"the silo kept running without API keys:\n{silo.Output}");
            Assert.Equal(2, silo.ExitCode);
            Assert.Contains("refusing to listen on", silo.Output, StringComparison.Ordinal);
            Assert.Contains("Fabric__Api__Keys__0__Key", silo.Output, StringComparison.Ordinal);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    private static string[] Entrypoint() =>
        JsonSerializer.Deserialize<string[]>(Assert.Single(Runtime.ArgumentsOf("ENTRYPOINT"))) ?? [];

    /// <summary>The runtime stage's ENV, with the API port moved to <paramref name="port"/> when given.</summary>
    private static Dictionary<string, string> ImageEnvironment(int? port = null)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["ASPNETCORE_ENVIRONMENT"] = "Production" };
        foreach (var pair in Runtime.ArgumentsOf("ENV").SelectMany(env => env.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var parts = pair.Split('=', 2);
            environment[parts[0]] = port is null ? parts[1] : parts[1].Replace(":8080", $":{port}", StringComparison.Ordinal);
        }

        return environment;
    }
}
