using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OrleansFabric.PostgreSql;
using OrleansFabric.Sessions;
using OrleansFabric.Silo.Metrics;

namespace OrleansFabric.Charts.Tests;

/// <summary>The Helm chart, linted and rendered with its default and production values.</summary>
public sealed partial class ChartTests(HelmFixture helm) : IClassFixture<HelmFixture>
{
    private const string Default = "values.yaml";
    private const string Production = "values-production.yaml";
    private const string FullName = HelmFixture.Release + "-orleans-fabric";

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Chart_passes_helm_lint_strict(string values)
    {
        var lint = await helm.LintAsync(values);

        Assert.True(lint.ExitCode == 0, lint.Describe());
        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", lint.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Probes_ask_health_ready_and_health_live_on_the_api_port(string values)
    {
        var container = (await helm.RenderAsync(values)).SiloContainer;

        Assert.Equal("/health/ready", container.At("readinessProbe", "httpGet", "path").Text());
        Assert.Equal("http", container.At("readinessProbe", "httpGet", "port").Text());
        Assert.Equal("/health/live", container.At("livenessProbe", "httpGet", "path").Text());
        Assert.Equal("http", container.At("livenessProbe", "httpGet", "port").Text());
        Assert.Equal("8080", ContainerPort(container, "http"));
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Container_listens_on_the_api_port_and_the_silo_port(string values)
    {
        var manifests = await helm.RenderAsync(values);

        Assert.Equal("8080", ContainerPort(manifests.SiloContainer, "http"));
        Assert.Equal("11111", ContainerPort(manifests.SiloContainer, "silo"));
        Assert.Equal("http://0.0.0.0:8080", manifests.Env["ASPNETCORE_URLS"].At("value").Text());
        Assert.Equal("11111", manifests.Env["Fabric__Clustering__SiloPort"].At("value").Text());
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Grace_period_exceeds_preStop_pause_plus_shutdown_deadline(string values)
    {
        var manifests = await helm.RenderAsync(values);

        var grace = int.Parse(manifests.PodSpec.At("terminationGracePeriodSeconds").Text(), CultureInfo.InvariantCulture);
        var deadline = int.Parse(manifests.Env["Fabric__Shutdown__DeadlineSeconds"].At("value").Text(), CultureInfo.InvariantCulture);
        var preStop = manifests.SiloContainer.At("lifecycle", "preStop", "exec", "command").Texts();
        Assert.Equal("sleep", preStop[0]);
        var pause = int.Parse(Assert.Single(preStop.Skip(1)), CultureInfo.InvariantCulture);
        Assert.Equal(25, deadline);
        Assert.InRange(pause, 1, 15);
        Assert.True(grace > pause + deadline, $"terminationGracePeriodSeconds {grace} <= preStop {pause} + deadline {deadline}");
    }

    [Theory]
    [InlineData("terminationGracePeriodSeconds=30", "terminationGracePeriodSeconds (30) must be greater than shutdown.preStopSeconds + shutdown.deadlineSeconds (5 + 25 = 30)")]
    [InlineData("shutdown.deadlineSeconds=60", "terminationGracePeriodSeconds (40) must be greater than shutdown.preStopSeconds + shutdown.deadlineSeconds (5 + 60 = 65)")]
    [InlineData("shutdown.preStopSeconds=20", "terminationGracePeriodSeconds (40) must be greater than shutdown.preStopSeconds + shutdown.deadlineSeconds (20 + 25 = 45)")]
    public async Task Rendering_fails_with_a_clear_message_when_the_grace_period_is_too_short(string setting, string message)
    {
        var result = await helm.TemplateAsync(Default, "--set", setting);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Contains("leases", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grace_period_one_second_longer_than_preStop_plus_deadline_renders()
    {
        var manifests = await helm.RenderAsync(Default, "--set", "terminationGracePeriodSeconds=31");

        Assert.Equal("31", manifests.PodSpec.At("terminationGracePeriodSeconds").Text());
    }

    [Theory]
    [InlineData(Default, FullName, 1)]
    [InlineData(Production, "orleans-fabric-secrets", 3)]
    public async Task Secrets_are_read_through_secretKeyRef_and_never_inlined(string values, string secretName, int apiKeys)
    {
        var manifests = await helm.RenderAsync(values);
        var env = manifests.Env;

        var secretVariables = env.Keys.Where(name => name is "Fabric__Clustering__ConnectionString" or "Fabric__Clustering__ClusterSecret" || ApiKeyVariable().IsMatch(name)).ToList();
        Assert.Equal(2 + apiKeys, secretVariables.Count);
        Assert.Contains("Fabric__Clustering__ConnectionString", secretVariables);
        Assert.Contains("Fabric__Clustering__ClusterSecret", secretVariables);
        foreach (var name in secretVariables)
        {
            Assert.False(env[name].ContainsKey("value"), $"{name} carries a literal value");
            Assert.Equal(secretName, env[name].At("valueFrom", "secretKeyRef", "name").Text());
        }

        // No literal value anywhere in the pod looks like a connection string.
        Assert.DoesNotContain(env.Values, variable => variable["value"]?.Text().Contains("Password=", StringComparison.OrdinalIgnoreCase) == true);
    }

    [Fact]
    public async Task Chart_creates_the_secret_with_every_referenced_key_unless_an_existing_one_is_named()
    {
        var manifests = await helm.RenderAsync(Default);
        var secret = manifests.Single("Secret");
        Assert.Equal(FullName, secret.At("metadata", "name").Text());
        var data = secret.At("data").AsObject();
        foreach (var variable in manifests.Env.Values.Where(variable => variable["valueFrom"]?["secretKeyRef"] is not null))
        {
            Assert.True(data.ContainsKey(variable.At("valueFrom", "secretKeyRef", "key").Text()), $"{variable.ToJsonString()} names a key the Secret lacks");
        }

        var clusterSecret = Encoding.UTF8.GetString(Convert.FromBase64String(data.At("cluster-secret").Text()));
        Assert.True(clusterSecret.Length >= 16, "the silo needs a cluster secret of 16+ characters");

        Assert.Empty((await helm.RenderAsync(Production)).OfKind("Secret"));
    }

    [Fact]
    public async Task Production_api_keys_are_scoped_to_their_tenants()
    {
        var env = (await helm.RenderAsync(Production)).Env;

        Assert.Equal("false", env["Fabric__Api__AllowAnonymous"].At("value").Text());
        Assert.Equal("gateway-api-key", env["Fabric__Api__Keys__0__Key"].At("valueFrom", "secretKeyRef", "key").Text());
        Assert.Equal("acme", env["Fabric__Api__Keys__0__Tenants__0"].At("value").Text());
        Assert.Equal("globex", env["Fabric__Api__Keys__0__Tenants__1"].At("value").Text());
        Assert.Equal("batches", env["Fabric__Api__Keys__1__Tenants__0"].At("value").Text());
        Assert.Equal("*", env["Fabric__Api__Keys__2__Tenants__0"].At("value").Text());
    }

    [Fact]
    public async Task Silo_without_api_keys_renders_only_when_anonymous_access_is_explicitly_allowed()
    {
        var refused = await helm.TemplateAsync(Default, "--set-json", "api.keys=[]");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("api.keys is empty and api.allowAnonymous is false", refused.Error, StringComparison.Ordinal);

        var env = (await helm.RenderAsync(Default, "--set-json", "api.keys=[]", "--set", "api.allowAnonymous=true")).Env;
        Assert.Equal("true", env["Fabric__Api__AllowAnonymous"].At("value").Text());
        Assert.DoesNotContain(env.Keys, name => name.StartsWith("Fabric__Api__Keys__", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Silos_cluster_through_postgresql_and_advertise_their_pod_ip(string values)
    {
        var env = (await helm.RenderAsync(values)).Env;

        Assert.Equal("PostgreSql", env["Fabric__Clustering__Provider"].At("value").Text());
        Assert.Equal("status.podIP", env["Fabric__Clustering__AdvertisedHost"].At("valueFrom", "fieldRef", "fieldPath").Text());
        Assert.False(env["Fabric__Clustering__AdvertisedHost"].ContainsKey("value"));
    }

    [Fact]
    public async Task Dead_silo_retention_reaches_the_silo_and_can_be_set()
    {
        Assert.Equal("60", (await helm.RenderAsync(Default)).Env["Fabric__Clustering__DeadSiloRetentionMinutes"].At("value").Text());
        Assert.Equal("1440", (await helm.RenderAsync(Default, "--set", "clustering.deadSiloRetentionMinutes=1440")).Env["Fabric__Clustering__DeadSiloRetentionMinutes"].At("value").Text());
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Rolling_update_replaces_one_silo_at_a_time_without_losing_capacity(string values)
    {
        var strategy = (await helm.RenderAsync(values)).Deployment.At("spec", "strategy");

        Assert.Equal("RollingUpdate", strategy.At("type").Text());
        Assert.Equal("0", strategy.At("rollingUpdate", "maxUnavailable").Text());
        Assert.Equal("1", strategy.At("rollingUpdate", "maxSurge").Text());
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Pod_disruption_budget_lets_one_silo_go_at_a_time(string values)
    {
        var manifests = await helm.RenderAsync(values);
        var budget = manifests.Single("PodDisruptionBudget");

        Assert.Equal("policy/v1", budget.At("apiVersion").Text());
        Assert.Equal("1", budget.At("spec", "maxUnavailable").Text());
        AssertSelectsSilos(manifests, budget.At("spec", "selector", "matchLabels"));
    }

    [Fact]
    public async Task Autoscaler_scales_on_cpu_when_enabled_and_owns_the_replica_count()
    {
        var manifests = await helm.RenderAsync(Production);
        var autoscaler = manifests.Single("HorizontalPodAutoscaler");

        Assert.Equal("autoscaling/v2", autoscaler.At("apiVersion").Text());
        Assert.Equal(FullName, autoscaler.At("spec", "scaleTargetRef", "name").Text());
        Assert.Equal("Deployment", autoscaler.At("spec", "scaleTargetRef", "kind").Text());
        Assert.Equal("3", autoscaler.At("spec", "minReplicas").Text());
        Assert.Equal("12", autoscaler.At("spec", "maxReplicas").Text());
        var metric = Assert.Single(autoscaler.At("spec", "metrics").AsArray())!;
        Assert.Equal("cpu", metric.At("resource", "name").Text());
        Assert.Equal("65", metric.At("resource", "target", "averageUtilization").Text());
        Assert.False(manifests.Deployment.At("spec").AsObject().ContainsKey("replicas"), "the autoscaler, not the Deployment, sets the replica count");
    }

    [Fact]
    public async Task Default_values_render_a_fixed_replica_count_without_autoscaler_or_monitoring()
    {
        var manifests = await helm.RenderAsync(Default);

        Assert.Equal("2", manifests.Deployment.At("spec", "replicas").Text());
        Assert.Empty(manifests.OfKind("HorizontalPodAutoscaler"));
        Assert.Empty(manifests.OfKind("ServiceMonitor"));
        Assert.Empty(manifests.OfKind("PrometheusRule"));
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Api_service_fronts_port_8080_and_headless_service_publishes_every_silo_port(string values)
    {
        var manifests = await helm.RenderAsync(values);

        var api = manifests.Service(FullName);
        var apiPort = Assert.Single(api.At("spec", "ports").AsArray())!;
        Assert.Equal("8080", apiPort.At("port").Text());
        Assert.Equal("http", apiPort.At("targetPort").Text());
        AssertSelectsSilos(manifests, api.At("spec", "selector"));

        var silo = manifests.Service(FullName + "-silo");
        Assert.Equal("None", silo.At("spec", "clusterIP").Text());
        Assert.Equal("true", silo.At("spec", "publishNotReadyAddresses").Text());
        var siloPort = Assert.Single(silo.At("spec", "ports").AsArray())!;
        Assert.Equal("11111", siloPort.At("port").Text());
        Assert.Equal("silo", siloPort.At("targetPort").Text());
        AssertSelectsSilos(manifests, silo.At("spec", "selector"));
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Pods_run_restricted_as_the_images_non_root_user_with_a_writable_tmp(string values)
    {
        var manifests = await helm.RenderAsync(values);

        var pod = manifests.PodSpec.At("securityContext");
        Assert.Equal("true", pod.At("runAsNonRoot").Text());
        Assert.Equal("1654", pod.At("runAsUser").Text());
        Assert.Equal("RuntimeDefault", pod.At("seccompProfile", "type").Text());

        var container = manifests.SiloContainer.At("securityContext");
        Assert.Equal("true", container.At("runAsNonRoot").Text());
        Assert.Equal("1654", container.At("runAsUser").Text());
        Assert.Equal("true", container.At("readOnlyRootFilesystem").Text());
        Assert.Equal("false", container.At("allowPrivilegeEscalation").Text());
        Assert.Equal(["ALL"], container.At("capabilities", "drop").Texts());
        Assert.Equal("RuntimeDefault", container.At("seccompProfile", "type").Text());

        var mount = Assert.Single(manifests.SiloContainer.At("volumeMounts").AsArray(), mount => mount!.At("mountPath").Text() == "/tmp")!;
        var volume = Assert.Single(manifests.PodSpec.At("volumes").AsArray(), volume => volume!.At("name").Text() == mount.At("name").Text())!;
        Assert.NotNull(volume["emptyDir"]);
    }

    [Fact]
    public async Task Service_monitor_scrapes_metrics_from_the_api_service()
    {
        var manifests = await helm.RenderAsync(Production);
        var monitor = manifests.Single("ServiceMonitor");

        Assert.Equal("monitoring.coreos.com/v1", monitor.At("apiVersion").Text());
        var endpoint = Assert.Single(monitor.At("spec", "endpoints").AsArray())!;
        Assert.Equal("http", endpoint.At("port").Text());
        Assert.Equal("/metrics", endpoint.At("path").Text());
        var selected = manifests.OfKind("Service").Where(service => Matches(service.At("metadata", "labels"), monitor.At("spec", "selector", "matchLabels"))).ToList();
        Assert.Equal(FullName, Assert.Single(selected).At("metadata", "name").Text());
    }

    [Theory]
    [InlineData("FabricTurnDurationHigh", "warning", 10, "fabric_turn_duration_seconds_bucket")]
    [InlineData("FabricTurnDurationHigh", "critical", 25, "fabric_turn_duration_seconds_bucket")]
    [InlineData("FabricSessionQueueDeep", "warning", 10, "fabric_session_queue_depth")]
    [InlineData("FabricSessionQueueDeep", "critical", 50, "fabric_session_queue_depth")]
    [InlineData("FabricTurnFailureRateHigh", "warning", 0.01, "status=\"failed\"")]
    [InlineData("FabricTurnFailureRateHigh", "critical", 0.05, "status=\"failed\"")]
    [InlineData("FabricTurnCancelledRateHigh", "warning", 0.10, "status=\"cancelled\"")]
    [InlineData("FabricTurnCancelledRateHigh", "critical", 0.30, "status=\"cancelled\"")]
    [InlineData("FabricStorageBatchSlow", "warning", 0.5, "fabric_storage_batch_seconds_bucket")]
    [InlineData("FabricStorageBatchSlow", "critical", 2, "fabric_storage_batch_seconds_bucket")]
    [InlineData("FabricStorageBatchesFailing", "warning", 0, "outcome=\"failed\"")]
    [InlineData("FabricStorageBatchesFailing", "critical", 1, "outcome=\"failed\"")]
    public async Task Prometheus_rule_carries_each_alert_s_thresholds(string alert, string severity, double threshold, string selects)
    {
        var rule = Assert.Single(
            AlertRules(await helm.RenderAsync(Production)),
            rule => rule["alert"]?.Text() == alert && rule.At("labels", "severity").Text() == severity);
        var expression = rule.At("expr").Text();

        var comparison = ThresholdComparison().Match(expression);
        Assert.True(comparison.Success, $"no trailing '> threshold' in {expression}");
        Assert.Equal(threshold, double.Parse(comparison.Groups["threshold"].Value, CultureInfo.InvariantCulture));
        Assert.Contains(selects, expression, StringComparison.Ordinal);
        Assert.Contains($"job=\"{FullName}\"", expression, StringComparison.Ordinal);
        Assert.Contains($"namespace=\"{HelmFixture.Namespace}\"", expression, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_rules_pass_promtool_check_rules()
    {
        var rule = (await helm.RenderAsync(Production)).Single("PrometheusRule");
        var file = Path.Combine(Path.GetTempPath(), $"orleansfabric-rules-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, rule.At("spec").ToJsonString());
        try
        {
            // JSON is YAML, so promtool reads the rule group file as written.
            var check = await ProcessRunner.RunAsync(Promtool.Path, ["check", "rules", file], TimeSpan.FromSeconds(60));
            Assert.True(check.ExitCode == 0, check.Describe());
            Assert.Contains("SUCCESS: 12 rules found", check.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Alert_expressions_use_metric_families_and_statuses_the_silo_exports()
    {
        var expressions = string.Join('\n', AlertRules(await helm.RenderAsync(Production)).Select(rule => rule.At("expr").Text()));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter(meters);
        using var sessions = new SessionMetrics(meters);
        using var storage = new PostgreSqlMetrics(meters, TimeProvider.System);
        var exposition = exporter.Scrape();

        Assert.Contains("# TYPE fabric_turn_duration_seconds histogram", exposition, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_session_queue_depth gauge", exposition, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_turns_total counter", exposition, StringComparison.Ordinal);
        Assert.Contains("# TYPE fabric_storage_batch_seconds histogram", exposition, StringComparison.Ordinal);
        var used = MetricName().Matches(expressions).Select(match => match.Value).Distinct().ToList();
        Assert.Equal(["fabric_turn_duration_seconds_bucket", "fabric_session_queue_depth", "fabric_turns_total", "fabric_storage_batch_seconds_bucket", "fabric_storage_batch_seconds_count"], used);
        Assert.Contains($"status=\"{TurnRecord.Failed}\"", expressions, StringComparison.Ordinal);
        Assert.Contains($"status=\"{TurnRecord.Cancelled}\"", expressions, StringComparison.Ordinal);
        Assert.Contains($"outcome=\"{PostgreSqlMetrics.Failed}\"", expressions, StringComparison.Ordinal);
    }

    private static IEnumerable<JsonNode> AlertRules(Manifests manifests) =>
        manifests.Single("PrometheusRule").At("spec", "groups").AsArray().SelectMany(group => group!.At("rules").AsArray()).Select(rule => rule!);

    private static string ContainerPort(JsonNode container, string name) =>
        Assert.Single(container.At("ports").AsArray(), port => port!.At("name").Text() == name)!.At("containerPort").Text();

    private static void AssertSelectsSilos(Manifests manifests, JsonNode selector) =>
        Assert.True(
            Matches(manifests.Deployment.At("spec", "template", "metadata", "labels"), selector),
            $"{selector.ToJsonString()} does not select the silo pods");

    private static bool Matches(JsonNode labels, JsonNode selector) =>
        selector.AsObject().Count > 0 && selector.AsObject().All(pair => labels[pair.Key]?.Text() == pair.Value!.Text());

    [GeneratedRegex(@"^Fabric__Api__Keys__\d+__Key$")]
    private static partial Regex ApiKeyVariable();

    [GeneratedRegex(@"\bfabric_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"\s>\s(?<threshold>[0-9.]+)$")]
    private static partial Regex ThresholdComparison();
}
