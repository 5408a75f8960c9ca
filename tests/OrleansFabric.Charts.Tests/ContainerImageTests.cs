using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansFabric.TestKit;

namespace OrleansFabric.Charts.Tests;

/// <summary>
/// The container image, tested without a container engine: the Dockerfile's stages, and the
/// published silo started the way the image's ENTRYPOINT and ENV start it.
/// </summary>
public sealed class ContainerImageTests(PublishedSiloFixture published, HelmFixture helm) : IClassFixture<PublishedSiloFixture>, IClassFixture<HelmFixture>
{
    private static readonly Dockerfile s_dockerfile = Dockerfile.Parse(File.ReadAllText(Repository.PathOf("Dockerfile")));

    /// <summary>
    /// Families the alerts read that this silo (the fabric's journaled storage, the default) does
    /// not export: Orleans' storage instruments, which report Orleans' own storages
    /// (<c>Persistence:GrainStorage=Orleans</c>) instead of fabric_storage_write_*.
    /// </summary>
    internal static readonly string[] s_alertFamiliesNotExportedYet = ["orleans_storage_write_errors_total", "orleans_storage_write_latency_milliseconds"];

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
        // The HTTP API, Orleans' silo port and Orleans' gateway port (the silo's defaults, and the chart's).
        Assert.Equal(["8080", "11111", "30000"], Runtime.ArgumentsOf("EXPOSE").SelectMany(ports => ports.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
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

    [Fact]
    public async Task Published_silo_exports_the_metric_families_the_charts_alerts_and_dashboard_read()
    {
        var families = ChartTests.AlertFamilies(await helm.RenderAsync("values-production.yaml"));
        var port = FreePort.Next();
        var home = Directory.CreateTempSubdirectory("orleansfabric-home-");
        try
        {
            var key = Guid.NewGuid().ToString("N");
            var environment = ImageEnvironment(port);
            environment["HOME"] = home.FullName;
            environment["Fabric__Api__Keys__0__Key"] = key;
            environment["Fabric__Api__Keys__0__Tenants__0"] = "*";
            await using var silo = SiloProcess.Start(Path.Combine(published.OutputDirectory, Entrypoint()[1]), port, environment, arguments: []);
            await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
            using var client = new HttpClient { BaseAddress = silo.Address, Timeout = TimeSpan.FromSeconds(40) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

            // One message and its turn: a grain state write, a turn, a queue that was deep and drained.
            const string message = """{ "message_id": "m-1", "tenant_id": "t1", "agent_id": "support", "interlocutor_id": "u1", "channel": "web", "text": "hi" }""";
            using var content = new StringContent(message, Encoding.UTF8, "application/json");
            using var accepted = await client.PostAsync(new Uri("/v1/messages", UriKind.Relative), content);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var turns = JsonNode.Parse(await client.GetStringAsync(new Uri($"/v1/sessions/{Uri.EscapeDataString("t1:support:u1:web")}/turns?after=0&wait_seconds=30", UriKind.Relative)))!.AsArray();
            Assert.Equal("completed", Assert.Single(turns)!["status"]!.GetValue<string>());

            // One batch and one content assignment: the batch gauges and the assignment counter.
            using var batch = new StringContent("""{ "expected_count": 1, "timeout_seconds": 600 }""", Encoding.UTF8, "application/json");
            using var created = await client.PutAsync(new Uri("/v1/batches/b-1", UriKind.Relative), batch);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var essay = new StringContent("""{ "text_storage_id": "ts-1", "original_file_name": "e.docx" }""", Encoding.UTF8, "application/json");
            using var assigned = await client.PostAsync(new Uri("/v1/batches/b-1/content", UriKind.Relative), essay);
            Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);

            var exposition = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(13, families.Count);
            foreach (var family in families.Except(s_alertFamiliesNotExportedYet, StringComparer.Ordinal))
            {
                Assert.Contains($"# TYPE {family} ", exposition, StringComparison.Ordinal);
            }

            // The Grafana dashboard reads these too (GrafanaDashboardTests: nothing else).
            foreach (var family in GrafanaDashboardTests.s_familiesBeyondAlerts)
            {
                Assert.Contains($"# TYPE {family} ", exposition, StringComparison.Ordinal);
            }

            // The turn statuses the alerts select on are the API's.
            Assert.Matches("""fabric_turns_total\{[^}]*status="completed"[^}]*\} 1(\.0)?(\s|$)""", exposition);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    private static string[] Entrypoint() =>
        JsonSerializer.Deserialize<string[]>(Assert.Single(Runtime.ArgumentsOf("ENTRYPOINT"))) ?? [];

    /// <summary>
    /// The runtime stage's ENV, with the API port moved to <paramref name="port"/> when given, and
    /// then Orleans' silo and gateway ports moved to free ones too, so that silos of other tests
    /// running at the same time cannot collide with this one on 11111 and 30000.
    /// </summary>
    private static Dictionary<string, string> ImageEnvironment(int? port = null)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["ASPNETCORE_ENVIRONMENT"] = "Production" };
        foreach (var pair in Runtime.ArgumentsOf("ENV").SelectMany(env => env.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var parts = pair.Split('=', 2);
            environment[parts[0]] = port is null ? parts[1] : parts[1].Replace(":8080", $":{port}", StringComparison.Ordinal);
        }

        if (port is not null)
        {
            environment["Fabric__Clustering__SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
            environment["Fabric__Clustering__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return environment;
    }
}
