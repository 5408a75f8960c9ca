using System.Globalization;
using System.Text.Json.Nodes;

namespace OrleansFabric.Charts.Tests;

/// <summary>
/// The chart's alert rules, rendered with helm and run by <c>promtool test rules</c> on
/// synthetic series of two silos (each series carrying OpenTelemetry's <c>otel_scope_name</c>):
/// every alert seen quiet, at warning only, and at warning and critical.
/// </summary>
public sealed class AlertRuleTests(HelmFixture helm) : IClassFixture<HelmFixture>
{
    private const string Job = HelmFixture.Release + "-orleans-fabric";

    /// <summary>The bounds of the silo's latency histograms, seconds.</summary>
    private static readonly string[] s_fabricBuckets = ["0.1", "0.5", "1", "2", "5", "10", "30", "60", "+Inf"];

    /// <summary>Bounds of a synthetic storage latency histogram, milliseconds.</summary>
    private static readonly string[] s_storageBuckets = ["10", "100", "500", "1000", "5000", "+Inf"];

    /// <summary>The same bounds in seconds, as the fabric's own storage histogram has them.</summary>
    private static readonly string[] s_storageSecondsBuckets = ["0.01", "0.1", "0.5", "1", "5", "+Inf"];

    /// <summary>Every scenario, by name (after the bucket bounds it reads).</summary>
    private static readonly IReadOnlyDictionary<string, AlertScenario> s_scenarios = Scenarios().ToDictionary(scenario => scenario.Name, StringComparer.Ordinal);

    public static TheoryData<string> ScenarioNames() => [.. s_scenarios.Keys];

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public async Task Alert_fires_as_the_thresholds_say(string scenario)
    {
        var directory = Directory.CreateTempSubdirectory("orleansfabric-promtool-");
        try
        {
            var rules = Path.Combine(directory.FullName, "rules.json");
            await File.WriteAllTextAsync(rules, RuleGroupsWithoutAnnotations(await helm.RenderAsync("values-production.yaml")).ToJsonString());
            var tests = Path.Combine(directory.FullName, "tests.json");
            await File.WriteAllTextAsync(tests, s_scenarios[scenario].ToPromtoolTest(rules).ToJsonString());

            // JSON is YAML, so promtool reads both files as written.
            var result = await ProcessRunner.RunAsync(Promtool.Path, ["test", "rules", tests], TimeSpan.FromSeconds(60), directory.FullName);

            Assert.True(result.ExitCode == 0, $"{scenario}\n{result.Describe()}");
            Assert.Contains("SUCCESS", result.Output + result.Error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Every_alert_has_a_quiet_a_warning_and_a_critical_scenario()
    {
        var rendered = RuleGroupsWithoutAnnotations(await helm.RenderAsync("values-production.yaml"))
            .At("groups").AsArray()
            .SelectMany(group => group!.At("rules").AsArray())
            .Select(rule => rule!.At("alert").GetValue<string>())
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(12, rendered.Count);
        foreach (var alert in rendered)
        {
            var severities = s_scenarios.Values.Where(scenario => scenario.Alert == alert).Select(scenario => string.Join('+', scenario.Severities)).ToHashSet(StringComparer.Ordinal);
            Assert.True(severities.IsSupersetOf(["", "warning", "warning+critical"]), $"{alert} has scenarios for [{string.Join(", ", severities)}] only");
        }

        Assert.Empty(s_scenarios.Values.Select(scenario => scenario.Alert).Except(rendered, StringComparer.Ordinal));
    }

    /// <summary>
    /// The PrometheusRule's groups with the annotations removed: promtool compares an alert's
    /// annotations too, and they only restate the threshold (promtool check rules checks their templates).
    /// </summary>
    private static JsonObject RuleGroupsWithoutAnnotations(Manifests manifests)
    {
        var spec = manifests.Single("PrometheusRule").At("spec").DeepClone().AsObject();
        foreach (var rule in spec.At("groups").AsArray().SelectMany(group => group!.At("rules").AsArray()))
        {
            rule!.AsObject().Remove("annotations");
        }

        return spec;
    }

    private static IEnumerable<AlertScenario> Scenarios()
    {
        // A series of one silo (instance a or b), as Prometheus stores what it scraped from /metrics.
        static string Series(string name, string instance, string scope, string labels = "") =>
            $"{name}{{namespace=\"{HelmFixture.Namespace}\",job=\"{Job}\",instance=\"{instance}\",otel_scope_name=\"{scope}\"{(labels.Length > 0 ? "," + labels : string.Empty)}}}";

        const string Sessions = "OrleansFabric.Sessions";
        const string Batches = "OrleansFabric.Batches";
        const string Orleans = "Microsoft.Orleans";
        const string Storage = "OrleansFabric.Storage";
        const string Web = "tenant=\"t1\",channel=\"web\"";
        string[] warning = ["warning"];
        string[] both = ["warning", "critical"];
        var tenantWeb = new Dictionary<string, string> { ["tenant"] = "t1", ["channel"] = "web" };
        var web = new Dictionary<string, string> { ["channel"] = "web" };
        var none = new Dictionary<string, string>();

        // Queue depth: per session, the deepest session's queue (the _max gauge), never the sum of a
        // group's sessions (the plain gauge, also given here, which the alert must not read).
        const string Depth = "fabric_session_queue_depth";
        const string Deepest = "fabric_session_queue_depth_max";
        const string Queue = Web + ",strategy=\"queue\"";
        yield return new("queue: two sessions of 8 (16 together) on one silo are quiet", "FabricSessionQueueDeep", [],
            tenantWeb, [(Series(Depth, "a", Sessions, Queue), "16x15"), (Series(Deepest, "a", Sessions, Queue), "8x15")]);
        yield return new("queue: 8 on each of two silos (16 together) is quiet", "FabricSessionQueueDeep", [],
            tenantWeb, [(Series(Depth, "a", Sessions, Queue), "8x15"), (Series(Deepest, "a", Sessions, Queue), "8x15"), (Series(Depth, "b", Sessions, Queue), "8x15"), (Series(Deepest, "b", Sessions, Queue), "8x15")]);
        yield return new("queue: one session of 11 warns", "FabricSessionQueueDeep", warning,
            tenantWeb, [(Series(Depth, "a", Sessions, Queue), "11x15"), (Series(Deepest, "a", Sessions, Queue), "11x15"), (Series(Depth, "b", Sessions, Web + ",strategy=\"supersede\""), "3x15"), (Series(Deepest, "b", Sessions, Web + ",strategy=\"supersede\""), "3x15")]);
        yield return new("queue: two sessions of 40 (80 together) warn but are not critical", "FabricSessionQueueDeep", warning,
            tenantWeb, [(Series(Depth, "a", Sessions, Queue), "80x15"), (Series(Deepest, "a", Sessions, Queue), "40x15")]);
        yield return new("queue: one session of 51 is critical", "FabricSessionQueueDeep", both,
            tenantWeb, [(Series(Depth, "a", Sessions, Queue), "51x15"), (Series(Deepest, "a", Sessions, Queue), "51x15")]);
        yield return new("queue: 60 for less than `for` is still pending", "FabricSessionQueueDeep", [],
            tenantWeb, [(Series(Depth, "a", Sessions, Queue), "0x7 60x8"), (Series(Deepest, "a", Sessions, Queue), "0x7 60x8")]);

        // Age of the oldest unanswered message.
        const string Oldest = "fabric_session_oldest_pending_seconds";
        yield return new("oldest: 20 s is quiet", "FabricSessionMessageWaiting", [], tenantWeb, [(Series(Oldest, "a", Sessions, Web + ",strategy=\"queue\""), "20x15")]);
        yield return new("oldest: 45 s warns", "FabricSessionMessageWaiting", warning, tenantWeb, [(Series(Oldest, "a", Sessions, Web + ",strategy=\"queue\""), "45x15"), (Series(Oldest, "b", Sessions, Web + ",strategy=\"queue\""), "5x15")]);
        yield return new("oldest: 200 s is critical", "FabricSessionMessageWaiting", both, tenantWeb, [(Series(Oldest, "a", Sessions, Web + ",strategy=\"queue\""), "200x15")]);

        // Histograms (the silo's buckets 0.1 ... 60 s): observations per minute by bucket.
        yield return new("response: answers within 0.5 s are quiet", "FabricMessageResponseSlow", [], web, Histogram("fabric_message_response_seconds", Sessions, Web, s_fabricBuckets, new() { ["0.5"] = 100 }));
        yield return new("response: p95 of 29 s warns, p99 below 30 s", "FabricMessageResponseSlow", warning, web, Histogram("fabric_message_response_seconds", Sessions, Web, s_fabricBuckets, new() { ["30"] = 100 }));
        yield return new("response: p99 of 59.7 s is critical", "FabricMessageResponseSlow", both, web, Histogram("fabric_message_response_seconds", Sessions, Web, s_fabricBuckets, new() { ["60"] = 100 }));
        const string Turn = Web + ",strategy=\"queue\",status=\"completed\"";
        yield return new("turns: within 5 s are quiet", "FabricTurnDurationHigh", [], web, Histogram("fabric_turn_duration_seconds", Sessions, Turn, s_fabricBuckets, new() { ["5"] = 100 }));
        yield return new("turns: p95 of 20 s warns", "FabricTurnDurationHigh", warning, web, Histogram("fabric_turn_duration_seconds", Sessions, Turn, s_fabricBuckets, new() { ["10"] = 90, ["30"] = 10 }));
        yield return new("turns: p95 of 29 s is critical", "FabricTurnDurationHigh", both, web, Histogram("fabric_turn_duration_seconds", Sessions, Turn, s_fabricBuckets, new() { ["30"] = 100 }));
        yield return new("storage: p99 of 99 ms is quiet", "FabricStorageWriteSlow", [], new Dictionary<string, string> { ["instance"] = "a" }, Histogram("orleans_storage_write_latency_milliseconds", Orleans, string.Empty, s_storageBuckets, new() { ["100"] = 100 }));
        yield return new("storage: p99 of 1 s warns", "FabricStorageWriteSlow", warning, new Dictionary<string, string> { ["instance"] = "a" }, Histogram("orleans_storage_write_latency_milliseconds", Orleans, string.Empty, s_storageBuckets, new() { ["1000"] = 100 }));
        yield return new("storage: p99 of 5 s is critical", "FabricStorageWriteSlow", both, new Dictionary<string, string> { ["instance"] = "a" }, Histogram("orleans_storage_write_latency_milliseconds", Orleans, string.Empty, s_storageBuckets, new() { ["5000"] = 100 }));

        // The same on the fabric's journaled storage (the default), which records seconds, per state.
        yield return new("journal: p99 of 99 ms is quiet", "FabricStorageWriteSlow", [], new Dictionary<string, string> { ["instance"] = "a" }, Histogram("fabric_storage_write_duration_seconds", Storage, "state=\"session\"", s_storageSecondsBuckets, new() { ["0.1"] = 100 }));
        yield return new("journal: p99 of 1 s warns", "FabricStorageWriteSlow", warning, new Dictionary<string, string> { ["instance"] = "a" }, Histogram("fabric_storage_write_duration_seconds", Storage, "state=\"session\"", s_storageSecondsBuckets, new() { ["1"] = 100 }));
        yield return new("journal: p99 of 5 s is critical", "FabricStorageWriteSlow", both, new Dictionary<string, string> { ["instance"] = "a" }, Histogram("fabric_storage_write_duration_seconds", Storage, "state=\"session\"", s_storageSecondsBuckets, new() { ["5"] = 100 }));

        // Shares of failed and cancelled turns, over two silos.
        foreach (var (alert, status, quiet, warns, critical) in new[] { ("FabricTurnFailureRateHigh", "failed", 0.5, 2.0, 10.0), ("FabricTurnCancelledRateHigh", "cancelled", 5.0, 20.0, 40.0) })
        {
            foreach (var (percent, severities) in new[] { (quiet, Array.Empty<string>()), (warns, warning), (critical, both) })
            {
                // Per minute and silo: `percent` x 2 turns of this status out of 200.
                yield return new($"turns {status}: {Number(percent)} %", alert, severities, none,
                [
                    (Series("fabric_turns_total", "a", Sessions, $"{Web},strategy=\"queue\",status=\"{status}\""), $"0+{Number(percent * 2)}x15"),
                    (Series("fabric_turns_total", "a", Sessions, $"{Web},strategy=\"queue\",status=\"completed\""), $"0+{Number(200 - (percent * 2))}x15"),
                    (Series("fabric_turns_total", "b", Sessions, $"{Web},strategy=\"queue\",status=\"{status}\""), $"0+{Number(percent * 2)}x15"),
                    (Series("fabric_turns_total", "b", Sessions, $"{Web},strategy=\"queue\",status=\"completed\""), $"0+{Number(200 - (percent * 2))}x15"),
                ]);
            }
        }

        // Brain calls waiting: the sum over the silos.
        const string Waiting = "fabric_brain_calls_waiting";
        yield return new("brain: 40 + 40 waiting is quiet", "FabricBrainBacklogHigh", [], none, [(Series(Waiting, "a", Sessions), "40x15"), (Series(Waiting, "b", Sessions), "40x15")]);
        yield return new("brain: 60 + 60 waiting warns", "FabricBrainBacklogHigh", warning, none, [(Series(Waiting, "a", Sessions), "60x15"), (Series(Waiting, "b", Sessions), "60x15")]);
        yield return new("brain: 300 + 300 waiting is critical", "FabricBrainBacklogHigh", both, none, [(Series(Waiting, "a", Sessions), "300x15"), (Series(Waiting, "b", Sessions), "300x15")]);

        // Timed-out batches: timeouts counted in the window, all silos together. The gauge of active
        // timed-out batches, which an older rule read, grows when such batches are reactivated too.
        const string TimedOut = "fabric_batches_timed_out_total";
        yield return new("timed out: none in the window is quiet, though timed-out batches were reactivated", "FabricBatchesTimingOut", [], none,
            [(Series(TimedOut, "a", Batches), "2x15"), (Series(TimedOut, "b", Batches), "0x15"), (Series("fabric_batches", "a", Batches, "status=\"timed_out\""), "0x8 3x7")]);
        yield return new("timed out: one timeout warns at once", "FabricBatchesTimingOut", warning, none, [(Series(TimedOut, "a", Batches), "0x8 1x7"), (Series(TimedOut, "b", Batches), "2x15")]);
        yield return new("timed out: the first timeout of a new silo warns", "FabricBatchesTimingOut", warning, none, [(Series(TimedOut, "b", Batches), "_x8 1x7")]);
        yield return new("timed out: 6 in the window warn but are not critical", "FabricBatchesTimingOut", warning, none, [(Series(TimedOut, "a", Batches), "0x8 6x7")]);
        yield return new("timed out: 8 + 7 on two silos are critical", "FabricBatchesTimingOut", both, none, [(Series(TimedOut, "a", Batches), "0x8 8x7"), (Series(TimedOut, "b", Batches), "0x8 7x7")]);

        // Refused content: events in the window, a series that appears with its first event included.
        const string Assignments = "fabric_batch_assignments_total";
        var noSlot = new Dictionary<string, string> { ["outcome"] = "no_slot_available" };
        yield return new("refused: none lately, many assigned, is quiet", "FabricBatchAssignmentsRefused", [], none, [(Series(Assignments, "a", Batches, "outcome=\"no_slot_available\""), "3x15"), (Series(Assignments, "a", Batches, "outcome=\"assigned\""), "0+100x15")]);
        yield return new("refused: a few refused calls warn", "FabricBatchAssignmentsRefused", warning, noSlot, [(Series(Assignments, "a", Batches, "outcome=\"no_slot_available\""), "3x5 3+1x10")]);
        yield return new("refused: the first refused call of a silo warns", "FabricBatchAssignmentsRefused", warning, new Dictionary<string, string> { ["outcome"] = "batch_closed" }, [(Series(Assignments, "b", Batches, "outcome=\"batch_closed\""), "_x8 1x7")]);
        yield return new("refused: 30 refused calls are critical", "FabricBatchAssignmentsRefused", both, noSlot, [(Series(Assignments, "a", Batches, "outcome=\"no_slot_available\""), "0+6x15")]);

        // Webhook dead letters, per kind.
        const string DeadLetters = "fabric_webhook_dead_lettered_total";
        var session = new Dictionary<string, string> { ["kind"] = "session" };
        yield return new("dead letters: none lately is quiet", "FabricWebhookDeadLetters", [], none, [(Series(DeadLetters, "a", Sessions, "kind=\"session\""), "2x15")]);
        yield return new("dead letters: the first one of a silo warns", "FabricWebhookDeadLetters", warning, session, [(Series(DeadLetters, "a", Sessions, "kind=\"session\""), "_x8 1x7")]);
        yield return new("dead letters: 25 in the window are critical", "FabricWebhookDeadLetters", both, session, [(Series(DeadLetters, "a", Sessions, "kind=\"session\""), "0+5x15"), (Series(DeadLetters, "b", Batches, "kind=\"batch\""), "4x15")]);

        // Failed grain state writes per second of a silo.
        const string WriteErrors = "orleans_storage_write_errors_total";
        yield return new("write errors: none is quiet", "FabricStorageWritesFailing", [], new Dictionary<string, string> { ["instance"] = "a" }, [(Series(WriteErrors, "a", Orleans), "5x15")]);
        yield return new("write errors: one a minute warns", "FabricStorageWritesFailing", warning, new Dictionary<string, string> { ["instance"] = "a" }, [(Series(WriteErrors, "a", Orleans), "0+1x15")]);
        yield return new("write errors: two a second are critical", "FabricStorageWritesFailing", both, new Dictionary<string, string> { ["instance"] = "a" }, [(Series(WriteErrors, "a", Orleans), "0+120x15")]);
        const string JournalWriteErrors = "fabric_storage_write_errors_total";
        yield return new("journal write errors: none is quiet", "FabricStorageWritesFailing", [], new Dictionary<string, string> { ["instance"] = "a" }, [(Series(JournalWriteErrors, "a", Storage, "state=\"batch\""), "5x15")]);
        yield return new("journal write errors: one a minute warns", "FabricStorageWritesFailing", warning, new Dictionary<string, string> { ["instance"] = "a" }, [(Series(JournalWriteErrors, "a", Storage, "state=\"batch\""), "0+1x15")]);
        yield return new("journal write errors: two a second over two states are critical", "FabricStorageWritesFailing", both, new Dictionary<string, string> { ["instance"] = "a" }, [(Series(JournalWriteErrors, "a", Storage, "state=\"batch\""), "0+60x15"), (Series(JournalWriteErrors, "a", Storage, "state=\"session\""), "0+61x15")]);

        // Cumulative bucket series of one silo: `perMinute` observations a minute in the bucket of each named upper bound.
        static List<(string Series, string Values)> Histogram(string family, string scope, string labels, string[] bounds, Dictionary<string, double> perMinute)
        {
            var series = new List<(string, string)>();
            double cumulative = 0;
            foreach (var bound in bounds)
            {
                cumulative += perMinute.GetValueOrDefault(bound);
                var le = $"{labels}{(labels.Length > 0 ? "," : string.Empty)}le=\"{bound}\"";
                series.Add((Series($"{family}_bucket", "a", scope, le), $"0+{Number(cumulative)}x15"));
            }

            return series;
        }
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}
