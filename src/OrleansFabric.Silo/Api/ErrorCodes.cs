namespace OrleansFabric.Silo.Api;

/// <summary>The machine-readable error codes of the HTTP API (API.md), with their status codes and titles.</summary>
public static class ErrorCodes
{
    /// <summary>Malformed JSON, a wrong type, a missing or invalid field.</summary>
    public const string ValidationFailed = "validation_failed";

    /// <summary>No or an unknown API key.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>The key does not cover this tenant or resource.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>The session never received a message.</summary>
    public const string SessionNotFound = "session_not_found";

    /// <summary>No batch with that id.</summary>
    public const string BatchNotFound = "batch_not_found";

    /// <summary>A turn is running under the reject strategy.</summary>
    public const string SessionBusy = "session_busy";

    /// <summary>The batch exists with another definition.</summary>
    public const string BatchConflict = "batch_conflict";

    /// <summary>The batch has no free slot for new content.</summary>
    public const string NoSlotAvailable = "no_slot_available";

    /// <summary>The batch completed or timed out.</summary>
    public const string BatchClosed = "batch_closed";

    /// <summary>The request body is over 1 MiB.</summary>
    public const string PayloadTooLarge = "payload_too_large";

    /// <summary>A drain asked of the only active silo: nobody could take its grains.</summary>
    public const string LastSilo = "last_silo";

    /// <summary>The session holds too many unprocessed messages.</summary>
    public const string QueueFull = "queue_full";

    /// <summary>Not ready, shutting down, or no owner for the grain yet; retry.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>No such route (not in API.md's list, which names only resource-specific 404s).</summary>
    public const string NotFound = "not_found";

    /// <summary>The route exists but not for this method (not in API.md's list).</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>Another client error produced by the HTTP stack itself (not in API.md's list).</summary>
    public const string RequestRejected = "request_rejected";

    /// <summary>
    /// The grain's owner received the call but the answer was lost (its silo died, the deadline
    /// passed): it may or may not have run, so it is not retried (not in API.md's list; 503
    /// would invite a blind retry).
    /// </summary>
    public const string OutcomeUnknown = "outcome_unknown";

    /// <summary>An unexpected failure on the silo (not in API.md's list).</summary>
    public const string InternalError = "internal_error";

    /// <summary>
    /// The code for an error response that only has a status (a framework-produced status
    /// without a body, rendered as problem+json by the status-code pages).
    /// </summary>
    public static string FromStatus(int status) => status switch
    {
        400 => ValidationFailed,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        413 => PayloadTooLarge,
        503 => Unavailable,
        < 500 => RequestRejected,
        _ => InternalError,
    };

    /// <summary>The HTTP status and title of a code.</summary>
    public static (int Status, string Title) Describe(string code) => code switch
    {
        ValidationFailed => (400, "The request is not valid."),
        Unauthorized => (401, "An API key is required."),
        Forbidden => (403, "The API key does not allow this."),
        SessionNotFound => (404, "The session was not found."),
        BatchNotFound => (404, "The batch was not found."),
        NotFound => (404, "There is nothing at this address."),
        MethodNotAllowed => (405, "This method is not allowed here."),
        SessionBusy => (409, "The session is running a turn."),
        BatchConflict => (409, "The batch exists with another definition."),
        NoSlotAvailable => (409, "The batch has no free slot."),
        BatchClosed => (409, "The batch is closed."),
        LastSilo => (409, "The silo is the last one in the cluster."),
        PayloadTooLarge => (413, "The request body is too large."),
        QueueFull => (429, "The session's queue is full."),
        Unavailable => (503, "The service is unavailable; retry."),
        OutcomeUnknown => (502, "The call may or may not have run."),
        RequestRejected => (400, "The request was rejected."),
        _ => (500, "The silo failed to handle the request."),
    };
}
