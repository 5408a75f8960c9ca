using Microsoft.AspNetCore.Diagnostics;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// Renders exceptions that escape an endpoint as problem+json: an oversized body read past
/// Kestrel's limit (413), a request Kestrel could not parse (400), a grain call Orleans
/// guarantees did not run (503 <c>unavailable</c> with Retry-After), a call that timed out (502
/// <c>outcome_unknown</c>) and anything else (500, logged here with the trace id; the response
/// carries no stack trace and no exception message).
/// </summary>
internal sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var request = httpContext.Request;
        switch (exception)
        {
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                await Problems.WriteAsync(httpContext, ErrorCodes.PayloadTooLarge, $"Request bodies are at most {RequestRules.MaxBodyBytes} bytes.");
                break;
            case BadHttpRequestException bad:
                await Problems.ForStatus(bad.StatusCode, bad.Message).ExecuteAsync(httpContext);
                break;
            case OrleansMessageRejectionException or Orleans.Storage.InconsistentStateException:
                // Orleans says the call did not run (rejected before it ran, and still so after the
                // silo's own retries) or its write did not happen (an ETag conflict drops the
                // activation): a retry is safe.
                LogUnavailable(logger, request.Method, request.Path, exception.Message);
                await Problems.WriteAsync(httpContext, ErrorCodes.Unavailable, "The grain is moving between silos; retry.", TimeSpan.FromSeconds(1));
                break;
            case TimeoutException or SiloUnavailableException:
                // The call reached a silo that then died, or took too long: it may have run.
                LogUnavailable(logger, request.Method, request.Path, exception.Message);
                await Problems.WriteAsync(httpContext, ErrorCodes.OutcomeUnknown, "The grain did not answer in time; the call may or may not have run. Retry only if it is idempotent by its id.");
                break;
            case OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested:
                // The client went away; there is nobody to answer.
                break;
            default:
                LogUnhandled(logger, exception, request.Method, request.Path, httpContext.TraceIdentifier);
                await Problems.WriteAsync(
                    httpContext,
                    ErrorCodes.InternalError,
                    $"The silo failed to handle the request; its log has the details under trace id {httpContext.TraceIdentifier}.");
                break;
        }

        return true;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "{Method} {Path} failed (trace id {TraceId})")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, PathString path, string traceId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "{Method} {Path} answered 503: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string method, PathString path, string reason);
}
