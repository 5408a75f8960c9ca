using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace OrleansFabric.Cluster.Tests;

/// <summary>
/// Real silo processes, clustered through Redis with grain state and reminders in PostgreSQL,
/// killed with SIGKILL, paused with SIGSTOP, stopped with SIGTERM or drained, while clients keep
/// calling them over HTTP. Each test checks exact outcomes against what was acknowledged.
/// </summary>
[Collection(nameof(FaultTests))]
public sealed class FaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_silos_on_Redis_and_an_empty_database_form_a_cluster_and_answer_through_any_silo()
    {
        await using var cluster = await SiloCluster.StartAsync(3);
        var view = await cluster.WaitForActiveAsync(3);
        Assert.Equal(cluster.ClusterId, view.GetProperty("cluster_id").GetString());
        Assert.All(cluster.Members, member => Assert.Contains(
            view.GetProperty("silos").EnumerateArray(),
            silo => silo.GetProperty("id").GetString()!.StartsWith(member.EndpointPrefix, StringComparison.Ordinal)
                && silo.GetProperty("gateway").GetString() == $"127.0.0.1:{member.GatewayPort}"));

        using var workload = new Workload(() => [.. cluster.Members.Select(member => member.Address)], batches: 3, slots: 10, sessions: 6, messagesPerSession: 5);
        await workload.RegisterBatchesAsync();
        await workload.RunAsync(workers: 6);
        Assert.Empty(workload.Retried);
        await workload.VerifyBatchesAsync();
        await workload.VerifyAnswersAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Killing_one_of_three_silos_during_a_storm_loses_nothing_acknowledged_and_assigns_nothing_twice()
    {
        await using var cluster = await SiloCluster.StartAsync(3);
        var victim = cluster.Members[2];
        var killed = false;
        IReadOnlyList<Uri> Alive() => [.. cluster.Members.Where(member => !(killed && member == victim)).Select(member => member.Address)];
        using var workload = new Workload(Alive, batches: 20, slots: 30, sessions: 30, messagesPerSession: 20);
        await workload.RegisterBatchesAsync();

        var run = workload.RunAsync(workers: 12);
        await WaitUntilAsync(() => workload.Acknowledged >= workload.Total / 3, "a third of the calls acknowledged", TimeSpan.FromSeconds(120), run);
        victim.Process.Kill();
        killed = true;
        await run;

        output.WriteLine($"{workload.Total} calls acknowledged; {workload.Retried.Count} attempts retried after the kill");
        Assert.Equal(workload.Total, workload.Acknowledged);
        await cluster.WaitForActiveAsync(2);
        await workload.VerifyBatchesAsync();
        await workload.VerifyAnswersAsync(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task A_killed_silos_grains_answer_again_through_the_survivors_and_the_grain_client()
    {
        await using var cluster = await SiloCluster.StartAsync(3);
        var (via, victim) = (cluster.Members[0], cluster.Members[2]);
        using var http = new HttpClient { BaseAddress = via.Address, Timeout = TimeSpan.FromSeconds(30) };
        var batches = Enumerable.Range(0, 60).Select(i => $"moved-{i}").ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            // Created through every silo, so the activations spread over all three.
            using var each = new HttpClient { BaseAddress = cluster.Members[i % 3].Address, Timeout = TimeSpan.FromSeconds(30) };
            (await each.PutAsJsonAsync($"/v1/batches/{batches[i]}", new { expected_count = 3, timeout_seconds = 3600 })).EnsureSuccessStatusCode();
            (await each.PostAsJsonAsync($"/v1/batches/{batches[i]}/content", new { text_storage_id = "before" })).EnsureSuccessStatusCode();
        }

        using var client = await GrainClients.StartAsync(cluster);
        var onVictim = await client.ActiveOnAsync<OrleansFabric.Batches.IEssayBatchGrain>(victim.SiloPort, batches);
        Assert.NotEmpty(onVictim);
        victim.Process.Kill();
        var clock = Stopwatch.StartNew();

        // Through HTTP and through the grain client (Orleans' gateway, which lost its connection
        // to the victim too), at the same time: each of the victim's batches takes new content.
        var httpTimes = Task.WhenAll(onVictim.Select(async batch =>
        {
            for (var attempt = 0; attempt < 600; attempt++)
            {
                using var response = await http.PostAsJsonAsync($"/v1/batches/{batch}/content", new { text_storage_id = "after-http" });
                if (response.IsSuccessStatusCode)
                {
                    return clock.Elapsed;
                }

                Assert.True(response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway, $"{batch}: {(int)response.StatusCode}");
                await Task.Delay(TimeSpan.FromMilliseconds(20));
            }

            throw new TimeoutException($"{batch} never answered again");
        }));
        var clientTimes = Task.WhenAll(onVictim.Select(async batch =>
        {
            for (var attempt = 0; attempt < 600; attempt++)
            {
                try
                {
                    await client.Grains.GetGrain<OrleansFabric.Batches.IEssayBatchGrain>(batch).ProvisionContentAsync(new("after-client", null));
                    return clock.Elapsed;
                }
                catch (Exception exception) when (exception is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20));
                }
            }

            throw new TimeoutException($"{batch} never answered the grain client again");
        }));

        var (overHttp, throughClient) = (await httpTimes, await clientTimes);
        output.WriteLine($"{onVictim.Count} batches lived on the killed silo; kill -9 -> all answering again over HTTP: {overHttp.Max().TotalSeconds:F2} s, through the grain client: {throughClient.Max().TotalSeconds:F2} s");

        // Both contents of each moved batch hold exactly one slot each: nothing was assigned twice.
        foreach (var batch in onVictim)
        {
            var status = await http.GetFromJsonAsync<JsonElement>($"/v1/batches/{batch}");
            var contents = status.GetProperty("assignments").EnumerateArray().Select(a => a.GetProperty("text_storage_id").GetString()).ToList();
            Assert.Equal(["after-client", "after-http", "before"], contents.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task A_lone_silo_killed_after_acknowledging_answers_everything_after_a_restart_and_times_its_batch_out_once()
    {
        await using var cluster = await SiloCluster.StartAsync(1);
        var silo = cluster.Members[0];
        using var workload = new Workload(() => [silo.Address], batches: 0, slots: 0, sessions: 5, messagesPerSession: 4);
        using var http = new HttpClient { BaseAddress = silo.Address, Timeout = TimeSpan.FromSeconds(30) };
        (await http.PutAsJsonAsync("/v1/batches/deadline", new { expected_count = 2, timeout_seconds = 3 })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/v1/batches/deadline/content", new { text_storage_id = "only" })).EnsureSuccessStatusCode();
        await workload.RunAsync(workers: 5);
        silo.Process.Kill();
        Assert.True(await silo.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));

        var restarted = cluster.StartMember(replacing: silo);
        await restarted.Process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using var after = new HttpClient { BaseAddress = restarted.Address, Timeout = TimeSpan.FromSeconds(30) };
        await workload.VerifyAnswersAsync(TimeSpan.FromSeconds(90));

        JsonElement events = default;
        for (var attempt = 0; attempt < 300; attempt++)
        {
            events = await after.GetFromJsonAsync<JsonElement>("/v1/batches/deadline/events");
            if (events.GetArrayLength() > 0)
            {
                break;
            }

            // The deadline passed while the silo was down: its grain times out when the reminder or a call activates it.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        var timedOut = Assert.Single(events.EnumerateArray());
        Assert.Equal("BatchTimedOut", timedOut.GetProperty("type").GetString());
        var status = await after.GetFromJsonAsync<JsonElement>("/v1/batches/deadline");
        Assert.Equal("timed_out", status.GetProperty("status").GetString());
        Assert.Equal(["deadline-2"], status.GetProperty("missing_slots").EnumerateArray().Select(slot => slot.GetString()));
    }

    [Theory]
    [InlineData("sigterm")]
    [InlineData("drain")]
    public async Task A_silo_that_stops_gracefully_fails_no_call_made_through_the_others(string how)
    {
        await using var cluster = await SiloCluster.StartAsync(3);
        var leaving = cluster.Members[2];
        IReadOnlyList<Uri> Others() => [cluster.Members[0].Address, cluster.Members[1].Address];
        using var workload = new Workload(Others, batches: 10, slots: 20, sessions: 20, messagesPerSession: 10);
        await workload.RegisterBatchesAsync();

        var run = workload.RunAsync(workers: 8);
        await WaitUntilAsync(() => workload.Acknowledged >= workload.Total / 3, "a third of the calls acknowledged", TimeSpan.FromSeconds(120), run);
        if (how == "drain")
        {
            using var http = new HttpClient { BaseAddress = cluster.Members[0].Address };
            var view = await http.GetFromJsonAsync<JsonElement>("/v1/cluster");
            var id = view.GetProperty("silos").EnumerateArray().Select(silo => silo.GetProperty("id").GetString()!).Single(id => id.StartsWith(leaving.EndpointPrefix, StringComparison.Ordinal));
            using var drained = await http.PostAsync($"/v1/cluster/silos/{Uri.EscapeDataString(id)}/drain", null);
            Assert.Equal(HttpStatusCode.Accepted, drained.StatusCode);
        }
        else
        {
            leaving.Process.Terminate();
        }

        Assert.True(await leaving.Process.WaitForExitAsync(TimeSpan.FromSeconds(40)), "the silo exited");
        Assert.Equal(0, leaving.Process.ExitCode);
        await run;

        Assert.True(workload.Retried.IsEmpty, $"{workload.Retried.Count} calls failed, first: {workload.Retried.FirstOrDefault()}");
        await cluster.WaitForActiveAsync(2);
        await workload.VerifyBatchesAsync();
        await workload.VerifyAnswersAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_paused_silo_is_declared_dead_its_grains_move_and_it_leaves_when_it_wakes()
    {
        await using var cluster = await SiloCluster.StartAsync(3);
        var paused = cluster.Members[2];
        var frozen = false;
        IReadOnlyList<Uri> Alive() => [.. cluster.Members.Where(member => !(frozen && member == paused)).Select(member => member.Address)];
        using var workload = new Workload(Alive, batches: 10, slots: 20, sessions: 10, messagesPerSession: 10);
        await workload.RegisterBatchesAsync();

        var run = workload.RunAsync(workers: 8);
        await WaitUntilAsync(() => workload.Acknowledged >= workload.Total / 3, "a third of the calls acknowledged", TimeSpan.FromSeconds(120), run);
        paused.Process.Pause();
        frozen = true;
        await cluster.WaitForActiveAsync(2);
        await run;
        paused.Process.Resume();

        // It finds itself declared dead and stops; whatever it still held is fenced by the ETags.
        Assert.True(await paused.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the silo declared dead exited when it woke");
        Assert.Equal(workload.Total, workload.Acknowledged);
        await workload.VerifyBatchesAsync();
        await workload.VerifyAnswersAsync(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task Two_silos_with_membership_in_PostgreSQL_form_a_cluster()
    {
        await using var cluster = await SiloCluster.StartAsync(2, adoNetMembership: true);
        using var workload = new Workload(() => [.. cluster.Members.Select(member => member.Address)], batches: 2, slots: 5, sessions: 4, messagesPerSession: 3);
        await workload.RegisterBatchesAsync();
        await workload.RunAsync(workers: 4);
        await workload.VerifyBatchesAsync();
        await workload.VerifyAnswersAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Polls <paramref name="condition"/> (bounded) while <paramref name="run"/> makes progress; fails fast if the run fails.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan timeout, Task run)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (run.IsCompleted)
            {
                await run;
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not reached within {timeout}: {what}");

            // The workload runs on other threads against other processes: poll its counter.
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
