using Microsoft.AspNetCore.Diagnostics;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// Turns every error into problem+json: oversized bodies (413), malformed requests (400),
/// unknown routes (404), unavailable grains (503 with Retry-After) and unexpected failures
/// (500, no stack trace).
/// </summary>
internal static partial class ErrorHandling
{
    public const long MaxBodyBytes = 1024 * 1024;

    public static void UseApiErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler(handler => handler.Run(context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            return error switch
            {
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => Problems.WriteAsync(context, ErrorCodes.PayloadTooLarge, $"Request bodies are at most {MaxBodyBytes} bytes."),
                BadHttpRequestException bad => Problems.WriteAsync(context, ErrorCodes.ValidationFailed, bad.Message),
                FabricUnavailableException unavailable => Problems.WriteAsync(context, ErrorCodes.Unavailable, unavailable.Message, unavailable.RetryAfter),
                _ => Problems.WriteAsync(context, ErrorCodes.InternalError, "The silo failed to handle the request; see its log for the trace id " + context.TraceIdentifier + "."),
            };
        }));
        app.UseStatusCodePages(context =>
        {
            var response = context.HttpContext.Response;
            return response.StatusCode switch
            {
                StatusCodes.Status404NotFound => Problems.WriteAsync(context.HttpContext, ErrorCodes.NotFound, $"No resource at {context.HttpContext.Request.Path}."),
                StatusCodes.Status405MethodNotAllowed => Problems.WriteAsync(context.HttpContext, ErrorCodes.MethodNotAllowed, $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}."),
                _ => Task.CompletedTask,
            };
        });

        // Refuse an announced oversized body before reading any of it.
        app.Use((context, next) =>
            context.Request.ContentLength > MaxBodyBytes
                ? Problems.WriteAsync(context, ErrorCodes.PayloadTooLarge, $"Request bodies are at most {MaxBodyBytes} bytes (this one announces {context.Request.ContentLength}).")
                : next(context));
    }
}
