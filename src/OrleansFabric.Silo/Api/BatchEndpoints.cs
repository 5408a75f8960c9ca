using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using OrleansFabric.Batches;
using OrleansFabric.Hosting;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// <c>/v1/batches/{batch_id}</c>: register (PUT), provision content, record validation
/// failures, read the status and the events. Batches carry no tenant, so every endpoint needs
/// a key with the <c>batches</c> scope or <c>*</c> (403 otherwise). Each request is validated
/// completely before the batch grain is called, so a refused one changes nothing.
/// </summary>
internal static class BatchEndpoints
{
    public static void MapBatchEndpoints(this IEndpointRouteBuilder app)
    {
        var batch = app.MapGroup("/v1/batches/{batch_id}").AddEndpointFilter(async (context, next) =>
        {
            if (!context.HttpContext.Caller().CanAccessBatches)
            {
                return Problems.For(ErrorCodes.Forbidden, "Batch endpoints need an API key with the 'batches' scope or '*'.");
            }

            RequestTrace.Propagate();
            return await next(context);
        });
        batch.MapPut("/", RegisterAsync);
        batch.MapGet("/", GetAsync);
        batch.MapPost("/content", ProvisionContentAsync);
        batch.MapPost("/validation-failures", RecordValidationFailureAsync);
        batch.MapGet("/events", GetEventsAsync);
    }

    private static async Task<IResult> RegisterAsync(
        HttpContext context,
        [FromRoute(Name = "batch_id")] string batchIdValue,
        GrainReferences<IEssayBatchGrain> batches,
        CancellationToken cancellationToken)
    {
        if (!TryResolve(context, batchIdValue, out var batchId, out var problem))
        {
            return problem;
        }

        var body = await JsonBody.ReadAsync(context.Request, ApiJsonContext.Default.RegisterBatchRequest, cancellationToken);
        if (!body.IsValid)
        {
            return body.Problem;
        }

        var request = body.Value;
        if (ExpectedEssayIds(batchId, request, out var essayIds) is { } invalid)
        {
            return Problems.Validation(invalid);
        }

        if ((CheckTimeout(request.TimeoutSeconds) ?? RequestRules.CheckOptionalObject("metadata", request.Metadata)) is { } invalidSettings)
        {
            return Problems.Validation(invalidSettings);
        }

        var batch = batches.Get(batchId);
        var outcome = await batch.RegisterAsync(new BatchDefinition(essayIds, request.TimeoutSeconds, Compact(request.Metadata)), cancellationToken);
        if (outcome == RegisterBatchResult.Conflict)
        {
            return Problems.For(ErrorCodes.BatchConflict, $"Batch '{batchId}' exists with another definition (slots, timeout_seconds or metadata); it was not changed.");
        }

        var status = await batch.GetStatusAsync(cancellationToken)
            ?? throw new InvalidOperationException($"Batch '{batchId}' was registered but has no status.");
        return outcome == RegisterBatchResult.Created
            ? TypedResults.Created(Location(batchId), ToResponse(status))
            : TypedResults.Ok(ToResponse(status));
    }

    private static async Task<IResult> GetAsync(
        HttpContext context,
        [FromRoute(Name = "batch_id")] string batchIdValue,
        GrainReferences<IEssayBatchGrain> batches,
        CancellationToken cancellationToken)
    {
        if (!TryResolve(context, batchIdValue, out var batchId, out var problem))
        {
            return problem;
        }

        var status = await batches.Get(batchId).GetStatusAsync(cancellationToken);
        return status is null ? NotFound(batchId) : TypedResults.Ok(ToResponse(status));
    }

    private static async Task<IResult> ProvisionContentAsync(
        HttpContext context,
        [FromRoute(Name = "batch_id")] string batchIdValue,
        GrainReferences<IEssayBatchGrain> batches,
        CancellationToken cancellationToken)
    {
        if (!TryResolve(context, batchIdValue, out var batchId, out var problem))
        {
            return problem;
        }

        var body = await JsonBody.ReadAsync(context.Request, ApiJsonContext.Default.ProvisionContentRequest, cancellationToken);
        if (!body.IsValid)
        {
            return body.Problem;
        }

        var request = body.Value;
        if ((RequestRules.CheckId("text_storage_id", request.TextStorageId)
            ?? RequestRules.CheckOptionalText("original_file_name", request.OriginalFileName)) is { } invalid)
        {
            return Problems.Validation(invalid);
        }

        var assignment = await batches.Get(batchId)
            .ProvisionContentAsync(new ProvisionContent(request.TextStorageId, request.OriginalFileName), cancellationToken);
        return assignment.Outcome switch
        {
            AssignmentOutcome.Assigned or AssignmentOutcome.AlreadyAssigned => TypedResults.Ok(new ProvisionContentResponse(
                assignment.EssayId ?? throw new InvalidOperationException($"Batch '{batchId}' assigned content without a slot."),
                assignment.Outcome == AssignmentOutcome.Assigned ? "assigned" : "already_assigned")),
            AssignmentOutcome.NoSlotAvailable => Problems.For(
                ErrorCodes.NoSlotAvailable,
                $"Batch '{batchId}' has no free slot for content '{request.TextStorageId}': every slot is filled or failed validation."),
            AssignmentOutcome.BatchClosed => Closed(batchId),
            AssignmentOutcome.BatchNotFound => NotFound(batchId),
            _ => throw new InvalidOperationException($"Unknown assignment outcome {assignment.Outcome}."),
        };
    }

    private static async Task<IResult> RecordValidationFailureAsync(
        HttpContext context,
        [FromRoute(Name = "batch_id")] string batchIdValue,
        GrainReferences<IEssayBatchGrain> batches,
        CancellationToken cancellationToken)
    {
        if (!TryResolve(context, batchIdValue, out var batchId, out var problem))
        {
            return problem;
        }

        var body = await JsonBody.ReadAsync(context.Request, ApiJsonContext.Default.ValidationFailureRequest, cancellationToken);
        if (!body.IsValid)
        {
            return body.Problem;
        }

        var request = body.Value;
        if ((RequestRules.CheckId("failure_id", request.FailureId)
            ?? RequestRules.CheckOptionalText("file_name", request.FileName)
            ?? RequestRules.CheckOptionalText("error_code", request.ErrorCode)
            ?? RequestRules.CheckOptionalText("message", request.Message)) is { } invalid)
        {
            return Problems.Validation(invalid);
        }

        var failure = new ValidationFailure(request.FailureId, request.FileName, request.ErrorCode, request.Message);
        return await batches.Get(batchId).RecordValidationFailureAsync(failure, cancellationToken) switch
        {
            ValidationFailureResult.Recorded => TypedResults.Ok(new ValidationFailureResponse(true)),
            ValidationFailureResult.Duplicate => TypedResults.Ok(new ValidationFailureResponse(false)),
            ValidationFailureResult.BatchClosed => Closed(batchId),
            ValidationFailureResult.BatchNotFound => NotFound(batchId),
            var other => throw new InvalidOperationException($"Unknown validation failure result {other}."),
        };
    }

    private static async Task<IResult> GetEventsAsync(
        HttpContext context,
        [FromRoute(Name = "batch_id")] string batchIdValue,
        GrainReferences<IEssayBatchGrain> batches,
        CancellationToken cancellationToken)
    {
        if (!TryResolve(context, batchIdValue, out var batchId, out var problem))
        {
            return problem;
        }

        var events = await batches.Get(batchId).GetEventsAsync(cancellationToken);
        return events is null
            ? NotFound(batchId)
            : TypedResults.Ok<IReadOnlyList<BatchEventResponse>>([.. events.Select(e => new BatchEventResponse(e.Seq, e.Type, e.At.UtcDateTime, Element(e.Payload)!.Value))]);
    }

    /// <summary>The batch id of the URL, when it is a valid id.</summary>
    private static bool TryResolve(HttpContext context, string routeValue, [NotNullWhen(true)] out string? batchId, [NotNullWhen(false)] out IResult? problem)
    {
        batchId = RouteIds.Read(context, "batches", routeValue);
        if (RequestRules.CheckId("batch_id", batchId) is { } invalid)
        {
            problem = Problems.Validation(invalid.Replace("Field 'batch_id'", "Path parameter 'batch_id'", StringComparison.Ordinal));
            batchId = null;
            return false;
        }

        problem = null;
        return true;
    }

    /// <summary>The slot ids from exactly one of <c>expected_essay_ids</c> and <c>expected_count</c>; the problem naming the field, or null.</summary>
    private static string? ExpectedEssayIds(string batchId, RegisterBatchRequest request, out List<string> essayIds)
    {
        essayIds = [];
        const int max = RegisterBatchRequest.MaxSlots;
        switch (request)
        {
            case { ExpectedEssayIds: not null, ExpectedCount: not null }:
                return "Send either field 'expected_essay_ids' or field 'expected_count', not both.";
            case { ExpectedEssayIds: null, ExpectedCount: null }:
                return "Field 'expected_essay_ids' or field 'expected_count' is required.";
            case { ExpectedCount: { } count }:
                if (count is < 1 or > max)
                {
                    return $"Field 'expected_count' must be from 1 to {max} (got {count}).";
                }

                var longest = $"{batchId}-{count}";
                if (longest.Length > RequestRules.MaxIdLength)
                {
                    return $"Field 'expected_count' would make essay ids such as '{longest}' longer than {RequestRules.MaxIdLength} characters; send 'expected_essay_ids' instead.";
                }

                essayIds.AddRange(Enumerable.Range(1, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"{batchId}-{i}")));
                return null;
        }

        var ids = request.ExpectedEssayIds!;
        if (ids.Count is < 1 or > max)
        {
            return $"Field 'expected_essay_ids' must hold 1 to {max} ids (it holds {ids.Count}).";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            if (RequestRules.CheckId("expected_essay_ids", ids[i]) is not null)
            {
                return RequestRules.CheckId(ItemField(i), ids[i]);
            }

            if (!seen.Add(ids[i]))
            {
                return $"Field '{ItemField(i)}' repeats '{ids[i]}'; essay ids must be unique.";
            }
        }

        essayIds.AddRange(ids);
        return null;
    }

    private static string ItemField(int index) => string.Create(CultureInfo.InvariantCulture, $"expected_essay_ids[{index}]");

    private static string? CheckTimeout(int timeoutSeconds) =>
        timeoutSeconds is < 1 or > RegisterBatchRequest.MaxTimeoutSeconds
            ? $"Field 'timeout_seconds' must be from 1 to {RegisterBatchRequest.MaxTimeoutSeconds} (got {timeoutSeconds})."
            : null;

    /// <summary>
    /// The metadata object without insignificant whitespace, so sending the same definition
    /// again compares equal however the client formatted it.
    /// </summary>
    private static string? Compact(JsonElement? metadata)
    {
        if (metadata is not { ValueKind: JsonValueKind.Object } value)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            value.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Stored JSON text as the element a response embeds.</summary>
    private static JsonElement? Element(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string Location(string batchId) => "/v1/batches/" + Uri.EscapeDataString(batchId);

    private static IResult NotFound(string batchId) =>
        Problems.For(ErrorCodes.BatchNotFound, $"Batch '{batchId}' was never registered.");

    private static IResult Closed(string batchId) =>
        Problems.For(ErrorCodes.BatchClosed, $"Batch '{batchId}' is closed: it completed or timed out.");

    private static BatchStatusResponse ToResponse(BatchStatus status) => new(
        status.BatchId,
        status.Status switch
        {
            BatchPhase.Collecting => "collecting",
            BatchPhase.Completed => "completed",
            _ => "timed_out",
        },
        status.ExpectedCount,
        status.AssignedCount,
        [.. status.Assignments.Select(a => new BatchAssignmentResponse(a.EssayId, a.TextStorageId, a.OriginalFileName, a.AssignedAt.UtcDateTime))],
        status.MissingSlots,
        [.. status.ValidationFailures.Select(f => new BatchValidationFailureResponse(f.FailureId, f.FileName, f.ErrorCode, f.Message, f.RecordedAt.UtcDateTime))],
        status.CreatedAt.UtcDateTime,
        status.Deadline.UtcDateTime,
        status.CompletedAt?.UtcDateTime,
        Element(status.Metadata),
        DeliveryResponse.From(status.Delivery));
}
