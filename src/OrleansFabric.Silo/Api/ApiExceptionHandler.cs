using Microsoft.AspNetCore.Diagnostics;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// Renders exceptions that escape an endpoint as problem+json: an oversized body read past
/// Kestrel's limit (413), a request Kestrel could not parse (400), an unavailable grain
/// (503 <c>unavailable</c> with Retry-After) and anything else (500, logged here with the
/// trace id; the response carries no stack trace and no exception message).
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
            case FabricUnavailableException unavailable:
                LogUnavailable(logger, request.Method, request.Path, unavailable.Message);
                await Problems.WriteAsync(httpContext, ErrorCodes.Unavailable, unavailable.Message, unavailable.RetryAfter);
                break;
            case FabricOutcomeUnknownException unknown:
                LogUnavailable(logger, request.Method, request.Path, unknown.Message);
                await Problems.WriteAsync(httpContext, ErrorCodes.OutcomeUnknown, unknown.Message);
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
