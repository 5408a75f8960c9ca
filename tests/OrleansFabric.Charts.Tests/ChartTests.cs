using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OrleansFabric.Charts.Tests;

/// <summary>The Helm chart, linted and rendered with its default and production values.</summary>
public sealed partial class ChartTests(HelmFixture helm) : IClassFixture<HelmFixture>
{
    private const string Default = "values.yaml";
    private const string Production = "values-production.yaml";
    private const string FullName = HelmFixture.Release + "-orleans-fabric";

    /// <summary>Settings of the in-repository runtime that Orleans replaced; no trace of them may remain.</summary>
    private static readonly string[] s_oldRuntimeSettings =
        ["ClusterSecret", "cluster-secret", "clusterSecret", "PartitionCount", "partitionCount", "LeaseTtlSeconds", "leaseTtlSeconds", "AdvertisedHost", "DeadSiloRetentionMinutes", "deadSiloRetentionMinutes", "PostgreSql"];

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
    public async Task Container_listens_on_the_api_port_the_silo_port_and_the_gateway_port(string values)
    {
        var manifests = await helm.RenderAsync(values);

        Assert.Equal("8080", ContainerPort(manifests.SiloContainer, "http"));
        Assert.Equal("11111", ContainerPort(manifests.SiloContainer, "silo"));
        Assert.Equal("30000", ContainerPort(manifests.SiloContainer, "gateway"));
        Assert.Equal("http://0.0.0.0:8080", manifests.Env["ASPNETCORE_URLS"].At("value").Text());
        Assert.Equal("11111", manifests.Env["Fabric__Clustering__SiloPort"].At("value").Text());
        Assert.Equal("30000", manifests.Env["Fabric__Clustering__GatewayPort"].At("value").Text());
    }

    [Fact]
    public async Task Silo_and_gateway_ports_follow_the_values_into_the_silo_the_container_and_the_services()
    {
        var manifests = await helm.RenderAsync(Default, "--set", "clustering.siloPort=22222", "--set", "clustering.gatewayPort=40000");

        Assert.Equal("22222", manifests.Env["Fabric__Clustering__SiloPort"].At("value").Text());
        Assert.Equal("40000", manifests.Env["Fabric__Clustering__GatewayPort"].At("value").Text());
        Assert.Equal("22222", ContainerPort(manifests.SiloContainer, "silo"));
        Assert.Equal("40000", ContainerPort(manifests.SiloContainer, "gateway"));
        Assert.Equal(["22222", "40000"], manifests.Service(FullName + "-silo").At("spec", "ports").AsArray().Select(port => port!.At("port").Text()));
    }

    [Fact]
    public async Task Container_ports_are_the_ports_the_image_exposes()
    {
        var dockerfile = Dockerfile.Parse(await File.ReadAllTextAsync(Repository.PathOf("Dockerfile")));
        var exposed = dockerfile.Stages[^1].ArgumentsOf("EXPOSE").SelectMany(ports => ports.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Order(StringComparer.Ordinal);

        var container = (await helm.RenderAsync(Default)).SiloContainer;

        Assert.Equal(exposed, container.At("ports").AsArray().Select(port => port!.At("containerPort").Text()).Order(StringComparer.Ordinal));
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
        Assert.Contains("deactivated its grains and left the cluster", result.Error, StringComparison.Ordinal);
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

        var secretVariables = env.Where(pair => pair.Value["valueFrom"]?["secretKeyRef"] is not null).Select(pair => pair.Key).ToList();
        Assert.Equal(2 + apiKeys, secretVariables.Count);
        Assert.Contains("Fabric__Clustering__ConnectionString", secretVariables);
        Assert.Contains("Fabric__Persistence__ConnectionString", secretVariables);
        Assert.Equal(apiKeys, secretVariables.Count(name => ApiKeyVariable().IsMatch(name)));
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

        // The connection strings and the API key; no cluster secret (silos talk Orleans' own protocol).
        Assert.Equal(["api-key", "postgres-connection-string", "redis-connection-string"], data.Select(pair => pair.Key).Order(StringComparer.Ordinal));
        Assert.StartsWith("Host=postgresql;", Decode(data.At("postgres-connection-string")), StringComparison.Ordinal);
        Assert.Equal("redis:6379", Decode(data.At("redis-connection-string")));
        Assert.True(Decode(data.At("api-key")).Length >= 32, "a generated API key has 32 characters");

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
    public async Task Silos_form_an_orleans_cluster_in_redis_keep_state_in_postgresql_and_advertise_their_pod_ip(string values)
    {
        var env = (await helm.RenderAsync(values)).Env;

        Assert.Equal("Redis", env["Fabric__Clustering__Provider"].At("value").Text());
        Assert.Equal("redis-connection-string", env["Fabric__Clustering__ConnectionString"].At("valueFrom", "secretKeyRef", "key").Text());
        Assert.Equal(HelmFixture.Release, env["Fabric__Clustering__ClusterId"].At("value").Text());
        Assert.Equal("orleans-fabric", env["Fabric__Clustering__ServiceId"].At("value").Text());
        Assert.Equal("status.podIP", env["Fabric__Clustering__AdvertisedAddress"].At("valueFrom", "fieldRef", "fieldPath").Text());
        Assert.False(env["Fabric__Clustering__AdvertisedAddress"].ContainsKey("value"));
        Assert.Equal("AdoNet", env["Fabric__Persistence__Provider"].At("value").Text());
        Assert.Equal("postgres-connection-string", env["Fabric__Persistence__ConnectionString"].At("valueFrom", "secretKeyRef", "key").Text());
    }

    [Fact]
    public async Task AdoNet_clustering_keeps_membership_in_postgresql_and_needs_no_redis_key()
    {
        var manifests = await helm.RenderAsync(Default, "--set", "clustering.provider=AdoNet");
        var env = manifests.Env;

        Assert.Equal("AdoNet", env["Fabric__Clustering__Provider"].At("value").Text());
        Assert.Equal("postgres-connection-string", env["Fabric__Clustering__ConnectionString"].At("valueFrom", "secretKeyRef", "key").Text());
        Assert.Equal("postgres-connection-string", env["Fabric__Persistence__ConnectionString"].At("valueFrom", "secretKeyRef", "key").Text());
        Assert.False(manifests.Single("Secret").At("data").AsObject().ContainsKey("redis-connection-string"));
    }

    [Theory]
    [InlineData("Localhost")]
    [InlineData("PostgreSql")]
    [InlineData("redis")]
    public async Task Rendering_fails_for_a_membership_provider_other_than_redis_or_adonet(string provider)
    {
        var result = await helm.TemplateAsync(Default, "--set", $"clustering.provider={provider}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"clustering.provider is \"{provider}\": it must be Redis or AdoNet", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_id_can_be_set_and_reaches_the_silo_orleans_kubernetes_hosting_and_the_pod_label()
    {
        var manifests = await helm.RenderAsync(Default, "--set", "clustering.clusterId=blue", "--set", "clustering.serviceId=essays");

        Assert.Equal("blue", manifests.Env["Fabric__Clustering__ClusterId"].At("value").Text());
        Assert.Equal("blue", manifests.Env["ORLEANS_CLUSTER_ID"].At("value").Text());
        Assert.Equal("essays", manifests.Env["Fabric__Clustering__ServiceId"].At("value").Text());
        Assert.Equal("essays", manifests.Env["ORLEANS_SERVICE_ID"].At("value").Text());
        var labels = manifests.Deployment.At("spec", "template", "metadata", "labels");
        Assert.Equal("blue", labels.At("orleans/clusterId").Text());
        Assert.Equal("essays", labels.At("orleans/serviceId").Text());
    }

    [Theory]
    [InlineData("clustering.clusterId=blue green")]
    [InlineData("clustering.serviceId=-essays")]
    [InlineData("clustering.clusterId=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Rendering_fails_for_ids_that_cannot_be_pod_label_values(string setting)
    {
        var result = await helm.TemplateAsync(Default, "--set", setting);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("must be a valid Kubernetes label value", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Settings_of_the_old_runtime_are_gone_from_the_pod_and_the_values(string values)
    {
        var rendered = await helm.TemplateAsync(values);
        Assert.True(rendered.ExitCode == 0, rendered.Describe());
        var valuesText = await File.ReadAllTextAsync(Path.Combine(Repository.ChartDirectory, values));

        foreach (var setting in s_oldRuntimeSettings)
        {
            Assert.DoesNotContain(setting, rendered.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(setting, valuesText, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Pods_carry_what_orleans_kubernetes_hosting_reads(string values)
    {
        var manifests = await helm.RenderAsync(values);
        var env = manifests.Env;

        Assert.Equal("metadata.name", env["POD_NAME"].At("valueFrom", "fieldRef", "fieldPath").Text());
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].At("valueFrom", "fieldRef", "fieldPath").Text());
        Assert.Equal("status.podIP", env["POD_IP"].At("valueFrom", "fieldRef", "fieldPath").Text());
        Assert.Equal(env["Fabric__Clustering__ServiceId"].At("value").Text(), env["ORLEANS_SERVICE_ID"].At("value").Text());
        Assert.Equal(env["Fabric__Clustering__ClusterId"].At("value").Text(), env["ORLEANS_CLUSTER_ID"].At("value").Text());

        // The pod watcher selects the cluster's pods by these labels (KubernetesHostingOptions.ServiceIdLabel, .ClusterIdLabel).
        var labels = manifests.Deployment.At("spec", "template", "metadata", "labels");
        Assert.Equal(env["ORLEANS_SERVICE_ID"].At("value").Text(), labels.At("orleans/serviceId").Text());
        Assert.Equal(env["ORLEANS_CLUSTER_ID"].At("value").Text(), labels.At("orleans/clusterId").Text());
        Assert.False(manifests.Deployment.At("spec", "selector", "matchLabels").AsObject().ContainsKey("orleans/clusterId"), "a cluster id change must not change the immutable selector");

        // It talks to the API server as the release's ServiceAccount.
        var account = manifests.Single("ServiceAccount");
        Assert.Equal(account.At("metadata", "name").Text(), manifests.PodSpec.At("serviceAccountName").Text());
        Assert.Equal("true", manifests.PodSpec.At("automountServiceAccountToken").Text());
    }

    [Theory]
    [InlineData(Default)]
    [InlineData(Production)]
    public async Task Role_lets_the_silos_service_account_watch_and_delete_pods_in_the_namespace(string values)
    {
        var manifests = await helm.RenderAsync(values);

        var role = manifests.Single("Role");
        var rule = Assert.Single(role.At("rules").AsArray())!;
        Assert.Equal([""], rule.At("apiGroups").Texts());
        Assert.Equal(["pods"], rule.At("resources").Texts());
        Assert.Equal(["delete", "get", "list", "patch", "watch"], rule.At("verbs").Texts().Order(StringComparer.Ordinal));

        var binding = manifests.Single("RoleBinding");
        Assert.Equal("Role", binding.At("roleRef", "kind").Text());
        Assert.Equal(role.At("metadata", "name").Text(), binding.At("roleRef", "name").Text());
        var subject = Assert.Single(binding.At("subjects").AsArray())!;
        Assert.Equal("ServiceAccount", subject.At("kind").Text());
        Assert.Equal(manifests.PodSpec.At("serviceAccountName").Text(), subject.At("name").Text());
        Assert.Equal(HelmFixture.Namespace, subject.At("namespace").Text());
        Assert.Empty(manifests.OfKind("ClusterRole"));
    }

    [Fact]
    public async Task Rbac_can_be_left_to_the_operator_without_losing_kubernetes_hosting()
    {
        var manifests = await helm.RenderAsync(Default, "--set", "kubernetes.rbac.create=false", "--set", "kubernetes.serviceAccount.create=false", "--set", "kubernetes.serviceAccount.name=fabric-silos");

        Assert.Empty(manifests.OfKind("Role"));
        Assert.Empty(manifests.OfKind("RoleBinding"));
        Assert.Empty(manifests.OfKind("ServiceAccount"));
        Assert.Equal("fabric-silos", manifests.PodSpec.At("serviceAccountName").Text());
        Assert.Equal("true", manifests.PodSpec.At("automountServiceAccountToken").Text());
        Assert.Contains("POD_NAMESPACE", manifests.Env.Keys);
    }

    [Fact]
    public async Task Without_kubernetes_hosting_the_pod_gets_no_api_token_no_role_and_no_pod_variables()
    {
        var manifests = await helm.RenderAsync(Default, "--set", "kubernetes.hosting.enabled=false");

        Assert.Equal("false", manifests.PodSpec.At("automountServiceAccountToken").Text());
        Assert.Empty(manifests.OfKind("Role"));
        Assert.Empty(manifests.OfKind("RoleBinding"));
        Assert.DoesNotContain(manifests.Env.Keys, name => name.StartsWith("POD_", StringComparison.Ordinal) || name.StartsWith("ORLEANS_", StringComparison.Ordinal));
        Assert.Equal("status.podIP", manifests.Env["Fabric__Clustering__AdvertisedAddress"].At("valueFrom", "fieldRef", "fieldPath").Text());
    }

    [Fact]
    public async Task Network_policy_opens_the_silo_port_to_the_release_only_and_the_gateway_to_the_release_and_nothing_else_by_default()
    {
        var manifests = await helm.RenderAsync(Default);
        var policy = manifests.Single("NetworkPolicy");

        Assert.Equal("networking.k8s.io/v1", policy.At("apiVersion").Text());
        AssertSelectsSilos(manifests, policy.At("spec", "podSelector", "matchLabels"));
        Assert.Equal(["Ingress"], policy.At("spec", "policyTypes").Texts());
        var rules = policy.At("spec", "ingress").AsArray().Select(rule => rule!).ToList();
        Assert.Equal(["11111", "30000", "8080"], rules.Select(rule => PolicyPort(manifests, rule)).Order(StringComparer.Ordinal));

        var silo = Assert.Single(rules, rule => PolicyPort(manifests, rule) == "11111");
        AssertSelectsSilos(manifests, Assert.Single(silo.At("from").AsArray())!.At("podSelector", "matchLabels"));
        Assert.Null(Assert.Single(silo.At("from").AsArray())!["namespaceSelector"]);

        var gateway = Assert.Single(rules, rule => PolicyPort(manifests, rule) == "30000");
        AssertSelectsSilos(manifests, Assert.Single(gateway.At("from").AsArray())!.At("podSelector", "matchLabels"));

        // The HTTP API stays open to everyone, as it was without a policy.
        var api = Assert.Single(rules, rule => PolicyPort(manifests, rule) == "8080");
        Assert.Null(api["from"]);
    }

    [Fact]
    public async Task Network_policy_opens_the_gateway_to_the_configured_grain_clients()
    {
        var manifests = await helm.RenderAsync(Production);
        var rules = manifests.Single("NetworkPolicy").At("spec", "ingress").AsArray().Select(rule => rule!).ToList();

        var gateway = Assert.Single(rules, rule => PolicyPort(manifests, rule) == "30000");
        var peers = gateway.At("from").AsArray().Select(peer => peer!).ToList();
        Assert.Equal(2, peers.Count);
        AssertSelectsSilos(manifests, peers[0].At("podSelector", "matchLabels"));
        Assert.Equal("essay-pipeline", peers[1].At("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name").Text());
        Assert.Equal("true", peers[1].At("podSelector", "matchLabels", "orleans-fabric/grain-client").Text());

        // The grain clients get the gateway, not the silo port.
        var silo = Assert.Single(rules, rule => PolicyPort(manifests, rule) == "11111");
        Assert.Single(silo.At("from").AsArray());
    }

    [Fact]
    public async Task Network_policy_restricts_the_api_port_when_api_clients_are_listed_and_can_be_turned_off()
    {
        var restricted = await helm.RenderAsync(Default, "--set-json", """networkPolicy.apiClients=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"gateways"}}}]""");
        var api = Assert.Single(restricted.Single("NetworkPolicy").At("spec", "ingress").AsArray(), rule => PolicyPort(restricted, rule!) == "8080")!;
        Assert.Equal("gateways", Assert.Single(api.At("from").AsArray())!.At("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name").Text());

        Assert.Empty((await helm.RenderAsync(Default, "--set", "networkPolicy.enabled=false")).OfKind("NetworkPolicy"));
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
    public async Task Api_service_fronts_port_8080_and_headless_service_publishes_every_silos_silo_and_gateway_ports(string values)
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
        var ports = silo.At("spec", "ports").AsArray().Select(port => port!).ToList();
        Assert.Equal(["silo", "gateway"], ports.Select(port => port.At("targetPort").Text()));
        Assert.Equal(["11111", "30000"], ports.Select(port => port.At("port").Text()));
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
    [InlineData("FabricSessionQueueDeep", "warning", 10, "max by (tenant, channel) (fabric_session_queue_depth_max{")]
    [InlineData("FabricSessionQueueDeep", "critical", 50, "max by (tenant, channel) (fabric_session_queue_depth_max{")]
    [InlineData("FabricTurnFailureRateHigh", "warning", 0.01, "status=\"failed\"")]
    [InlineData("FabricTurnFailureRateHigh", "critical", 0.05, "status=\"failed\"")]
    [InlineData("FabricTurnCancelledRateHigh", "warning", 0.10, "status=\"cancelled\"")]
    [InlineData("FabricTurnCancelledRateHigh", "critical", 0.30, "status=\"cancelled\"")]
    [InlineData("FabricSessionMessageWaiting", "warning", 30, "max by (tenant, channel) (fabric_session_oldest_pending_seconds")]
    [InlineData("FabricSessionMessageWaiting", "critical", 120, "max by (tenant, channel) (fabric_session_oldest_pending_seconds")]
    [InlineData("FabricMessageResponseSlow", "warning", 15, "histogram_quantile(0.95, sum by (channel, le) (rate(fabric_message_response_seconds_bucket")]
    [InlineData("FabricMessageResponseSlow", "critical", 30, "histogram_quantile(0.99, sum by (channel, le) (rate(fabric_message_response_seconds_bucket")]
    [InlineData("FabricBrainBacklogHigh", "warning", 100, "sum(fabric_brain_calls_waiting")]
    [InlineData("FabricBrainBacklogHigh", "critical", 500, "sum(fabric_brain_calls_waiting")]
    [InlineData("FabricBatchesTimingOut", "warning", 0, "increase(fabric_batches_timed_out_total{")]
    [InlineData("FabricBatchesTimingOut", "critical", 10, "increase(fabric_batches_timed_out_total{")]
    [InlineData("FabricBatchAssignmentsRefused", "warning", 0, "outcome=~\"no_slot_available|batch_closed\"")]
    [InlineData("FabricBatchAssignmentsRefused", "critical", 20, "outcome=~\"no_slot_available|batch_closed\"")]
    [InlineData("FabricWebhookDeadLetters", "warning", 0, "sum by (kind) (")]
    [InlineData("FabricWebhookDeadLetters", "critical", 10, "sum by (kind) (")]
    [InlineData("FabricStorageWriteSlow", "warning", 0.5, "orleans_storage_write_latency_milliseconds_bucket")]
    [InlineData("FabricStorageWriteSlow", "warning", 0.5, "fabric_storage_write_duration_seconds_bucket")]
    [InlineData("FabricStorageWriteSlow", "critical", 2, "orleans_storage_write_latency_milliseconds_bucket")]
    [InlineData("FabricStorageWriteSlow", "critical", 2, "fabric_storage_write_duration_seconds_bucket")]
    [InlineData("FabricStorageWritesFailing", "warning", 0, "orleans_storage_write_errors_total")]
    [InlineData("FabricStorageWritesFailing", "warning", 0, "fabric_storage_write_errors_total")]
    [InlineData("FabricStorageWritesFailing", "critical", 1, "orleans_storage_write_errors_total")]
    [InlineData("FabricStorageWritesFailing", "critical", 1, "fabric_storage_write_errors_total")]
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
            Assert.Contains("SUCCESS: 24 rules found", check.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Alert_expressions_read_the_fabric_series_and_orleans_storage_series_only()
    {
        // ContainerImageTests checks that a published silo exports these families.
        var expressions = string.Join('\n', AlertRules(await helm.RenderAsync(Production)).Select(rule => rule.At("expr").Text()));

        var used = MetricName().Matches(expressions).Select(match => match.Value).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                "fabric_batch_assignments_total", "fabric_batches_timed_out_total", "fabric_brain_calls_waiting", "fabric_message_response_seconds_bucket",
                "fabric_session_oldest_pending_seconds", "fabric_session_queue_depth_max", "fabric_storage_write_duration_seconds_bucket",
                "fabric_storage_write_errors_total", "fabric_turn_duration_seconds_bucket", "fabric_turns_total",
                "fabric_webhook_dead_lettered_total", "orleans_storage_write_errors_total", "orleans_storage_write_latency_milliseconds_bucket",
            ],
            used);
        // Per session: the deepest session's queue, never a sum over a tenant's sessions.
        Assert.DoesNotContain("fabric_session_queue_depth{", expressions, StringComparison.Ordinal);
        // The turn statuses of the API (GET /v1/sessions/{key}/turns).
        Assert.Contains("status=\"failed\"", expressions, StringComparison.Ordinal);
        Assert.Contains("status=\"cancelled\"", expressions, StringComparison.Ordinal);
        // Orleans records write latency in milliseconds, the fabric's storage in seconds; the thresholds are seconds.
        Assert.Contains("orleans_storage_write_latency_milliseconds_bucket", expressions, StringComparison.Ordinal);
        Assert.Contains("/ 1000) >", expressions, StringComparison.Ordinal);
        Assert.DoesNotContain("partition", expressions, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("lease", expressions, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The metric families (without _bucket, _count, _sum) the rendered alert rules read.</summary>
    internal static IReadOnlyList<string> AlertFamilies(Manifests manifests) =>
        [.. AlertRules(manifests).SelectMany(rule => MetricName().Matches(rule.At("expr").Text()).Select(match => HistogramSuffix().Replace(match.Value, string.Empty))).Distinct()];

    private static IEnumerable<JsonNode> AlertRules(Manifests manifests) =>
        manifests.Single("PrometheusRule").At("spec", "groups").AsArray().SelectMany(group => group!.At("rules").AsArray()).Select(rule => rule!);

    private static string Decode(JsonNode base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64.Text()));

    /// <summary>The container port a NetworkPolicy ingress rule's single (named) port resolves to.</summary>
    private static string PolicyPort(Manifests manifests, JsonNode rule)
    {
        var port = Assert.Single(rule.At("ports").AsArray())!.At("port").Text();
        return port.All(char.IsAsciiDigit) ? port : ContainerPort(manifests.SiloContainer, port);
    }

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

    [GeneratedRegex(@"\b(fabric|orleans)_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"_(bucket|count|sum)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex(@"\s>\s(?<threshold>[0-9.]+)$")]
    private static partial Regex ThresholdComparison();
}
