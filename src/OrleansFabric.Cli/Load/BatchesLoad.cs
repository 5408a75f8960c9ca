using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansFabric.Cli.Api;

namespace OrleansFabric.Cli.Load;

/// <summary>
/// <c>fabric load batches</c>: registers batches of a fresh run id, provisions each one's
/// content concurrently and in random order, resends a fraction of it, and checks the
/// guarantees against what each batch reports afterwards: no content in two slots, no slot
/// filled twice, every answer for a content naming the same slot, every batch full, and
/// exactly the content beyond the slots refused.
/// </summary>
internal sealed class BatchesLoad(FabricClient client, BatchesLoadSettings settings)
{
    private readonly string _run = "load-" + Guid.NewGuid().ToString("N")[..8];
    private readonly OperationStats _register = new("register");
    private readonly OperationStats _content = new("content");
    private readonly OperationStats _verify = new("verify");
    private readonly ErrorCounts _errors = new();
    private readonly Stopwatch _clock = new();
    private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _answered = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _assignedAnswers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _refused = new(StringComparer.Ordinal);
    private long[] _batchErrors = [];
    private long _planned;
    private long _duplicatesSent;
    private long _alreadyAssigned;
    private long _refusals;

    private int Distinct => settings.Slots + settings.Extra;

    public ProgressSnapshot Progress()
    {
        var done = _register.Requests + _content.Requests;
        var total = settings.Batches + Interlocked.Read(ref _planned);
        return new ProgressSnapshot(done, total, _errors.Total, _clock.Elapsed, Math.Max((double)done / total, _clock.Elapsed / settings.Duration));
    }

    /// <summary>Runs the load; <paramref name="cancellationToken"/> (Ctrl+C) ends it early with partial results.</summary>
    public async Task<LoadSummary> RunAsync(CancellationToken cancellationToken)
    {
        _clock.Start();
        _batchErrors = new long[settings.Batches];
        var registered = new bool[settings.Batches];
        List<ContentPost> posts;
        using (var gate = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            gate.CancelAfter(settings.Duration);
            await Workers.RunAsync([.. Enumerable.Range(0, settings.Batches)], settings.Concurrency, async batch =>
                registered[batch] = await RegisterAsync(batch, cancellationToken), gate.Token, cancellationToken);
            posts = Plan(registered);
            Interlocked.Exchange(ref _planned, posts.Count);
            await Workers.RunAsync(posts, settings.Concurrency, post => ProvisionAsync(post, cancellationToken), gate.Token, cancellationToken);
        }

        var sending = _clock.Elapsed;
        var sent = _content.Requests == posts.Count;
        var violations = new ConcurrentBag<string>();
        long assignedSlots = 0;
        if (!cancellationToken.IsCancellationRequested)
        {
            await Workers.RunAsync([.. Enumerable.Range(0, settings.Batches).Where(batch => registered[batch])], settings.Concurrency, async batch =>
            {
                if (await ReadAsync(batch, cancellationToken) is { } info)
                {
                    Interlocked.Add(ref assignedSlots, info.AssignedCount);
                    foreach (var violation in Check(batch, info, sent))
                    {
                        violations.Add(violation);
                    }
                }
            }, cancellationToken, cancellationToken);
        }

        _clock.Stop();
        var operations = new List<OperationSummary> { _content.Summarize(sending.TotalSeconds), _register.Summarize(sending.TotalSeconds), _verify.Summarize(_clock.Elapsed.TotalSeconds) };
        return new LoadSummary(
            "batches",
            !cancellationToken.IsCancellationRequested,
            Math.Round(_clock.Elapsed.TotalSeconds, 3),
            _content.Requests,
            operations[0].ThroughputPerSecond,
            operations,
            _errors.Snapshot(),
            _errors.Total,
            null,
            new BatchesOutcome(
                registered.Count(done => done),
                settings.Slots,
                _content.Requests,
                Interlocked.Read(ref _duplicatesSent),
                assignedSlots,
                Interlocked.Read(ref _alreadyAssigned),
                Interlocked.Read(ref _refusals)),
            [.. violations.Order(StringComparer.Ordinal)]);
    }

    private string BatchId(int batch) => $"{_run}-b{batch + 1}";

    private string ContentId(int batch, int content) => $"{_run}-b{batch + 1}-ts{content + 1}";

    private async Task<bool> RegisterAsync(int batch, CancellationToken cancellationToken)
    {
        var body = FabricClient.Serialize(new BatchRegistration(settings.Slots, 600), CliJsonContext.Default.BatchRegistration);
        var response = await LoadRequest.SendAsync(client, HttpMethod.Put, "/v1/batches/" + FabricClient.Segment(BatchId(batch)), body, _register, _errors, Stopwatch.GetTimestamp(), cancellationToken);
        return response is { IsSuccess: true };
    }

    /// <summary>Every registered batch's distinct content once, plus the duplicates, shuffled together.</summary>
    private List<ContentPost> Plan(bool[] registered)
    {
        var duplicates = (int)Math.Round(settings.Duplicates * Distinct);
        var posts = new List<ContentPost>();
        for (var batch = 0; batch < settings.Batches; batch++)
        {
            if (!registered[batch])
            {
                continue;
            }

            posts.AddRange(Enumerable.Range(0, Distinct).Select(content => new ContentPost(batch, ContentId(batch, content), Duplicate: false)));
            posts.AddRange(Enumerable.Range(0, duplicates).Select(_ => new ContentPost(batch, ContentId(batch, Random.Shared.Next(Distinct)), Duplicate: true)));
        }

        var shuffled = posts.ToArray();
        Random.Shared.Shuffle(shuffled);
        return [.. shuffled];
    }

    private async Task ProvisionAsync(ContentPost post, CancellationToken cancellationToken)
    {
        if (post.Duplicate)
        {
            Interlocked.Increment(ref _duplicatesSent);
        }

        var body = FabricClient.Serialize(new ContentRequest(post.TextStorageId, post.TextStorageId + ".docx"), CliJsonContext.Default.ContentRequest);
        var response = await LoadRequest.SendAsync(
            client,
            HttpMethod.Post,
            $"/v1/batches/{FabricClient.Segment(BatchId(post.Batch))}/content",
            body,
            _content,
            _errors,
            Stopwatch.GetTimestamp(),
            cancellationToken,
            answer => answer.IsSuccess || answer.Code == "no_slot_available");
        if (response is null || !(response.IsSuccess || response.Code == "no_slot_available"))
        {
            Interlocked.Increment(ref _batchErrors[post.Batch]);
            return;
        }

        if (!response.IsSuccess)
        {
            Interlocked.Increment(ref _refusals);
            _refused.TryAdd(post.TextStorageId, 0);
            return;
        }

        var assignment = response.Read(CliJsonContext.Default.ContentAssignment);
        _answered.GetOrAdd(post.TextStorageId, _ => []).Add(assignment.EssayId);
        if (assignment.Outcome == "assigned")
        {
            _assignedAnswers.AddOrUpdate(post.TextStorageId, 1, (_, count) => count + 1);
        }
        else
        {
            Interlocked.Increment(ref _alreadyAssigned);
        }
    }

    private async Task<BatchInfo?> ReadAsync(int batch, CancellationToken cancellationToken)
    {
        var response = await LoadRequest.SendAsync(client, HttpMethod.Get, "/v1/batches/" + FabricClient.Segment(BatchId(batch)), null, _verify, _errors, Stopwatch.GetTimestamp(), cancellationToken);
        return response is { IsSuccess: true } ? response.Read(CliJsonContext.Default.BatchInfo) : null;
    }

    private IEnumerable<string> Check(int batch, BatchInfo info, bool allSent)
    {
        var id = BatchId(batch);
        foreach (var slot in info.Assignments.GroupBy(assignment => assignment.EssayId).Where(group => group.Count() > 1))
        {
            yield return $"batch {id}: slot {slot.Key} holds {slot.Count()} contents";
        }

        foreach (var content in info.Assignments.GroupBy(assignment => assignment.TextStorageId).Where(group => group.Count() > 1))
        {
            yield return $"batch {id}: content {content.Key} is in {content.Count()} slots";
        }

        var slots = info.Assignments.GroupBy(assignment => assignment.TextStorageId).ToDictionary(group => group.Key, group => group.First().EssayId, StringComparer.Ordinal);
        var refused = 0;
        for (var content = 0; content < Distinct; content++)
        {
            var textStorageId = ContentId(batch, content);
            var answered = _answered.TryGetValue(textStorageId, out var essays) ? essays.Distinct(StringComparer.Ordinal).ToList() : [];
            var isRefused = _refused.ContainsKey(textStorageId);
            refused += isRefused ? 1 : 0;
            if (answered.Count > 1)
            {
                yield return $"batch {id}: content {textStorageId} was answered with slots {string.Join(", ", answered)}";
            }

            if (_assignedAnswers.GetValueOrDefault(textStorageId) > 1)
            {
                yield return $"batch {id}: content {textStorageId} was answered 'assigned' {_assignedAnswers[textStorageId]} times";
            }

            if (answered.Count == 1 && slots.GetValueOrDefault(textStorageId) != answered[0])
            {
                yield return $"batch {id}: content {textStorageId} was given slot {answered[0]} but the batch has it in {slots.GetValueOrDefault(textStorageId) ?? "no slot"}";
            }

            if (isRefused && (answered.Count > 0 || slots.ContainsKey(textStorageId)))
            {
                yield return $"batch {id}: content {textStorageId} was refused but also given a slot";
            }
        }

        if (!allSent || Interlocked.Read(ref _batchErrors[batch]) > 0)
        {
            yield break;
        }

        if (info.AssignedCount != settings.Slots || info.Status != "completed")
        {
            yield return $"batch {id}: {info.AssignedCount}/{settings.Slots} slots assigned and status {info.Status} after all its content was sent";
        }

        if (refused != settings.Extra)
        {
            yield return $"batch {id}: {refused} distinct contents refused, expected {settings.Extra}";
        }
    }
}
