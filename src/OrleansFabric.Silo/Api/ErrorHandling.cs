namespace OrleansFabric.Silo.Api;

/// <summary>
/// The error pipeline: exceptions (<see cref="ApiExceptionHandler"/>), bare error statuses
/// such as unknown routes (404) and wrong methods (405), and bodies that announce more than
/// 1 MiB (413 whatever the route, the body discarded and never handed to an endpoint), all as
/// problem+json.
/// </summary>
internal static class ErrorHandling
{
    public static IServiceCollection AddApiErrorHandling(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        return services;
    }

    public static void UseApiErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            var detail = http.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => $"No resource at {http.Request.Path}.",
                StatusCodes.Status405MethodNotAllowed => $"{http.Request.Method} is not allowed on {http.Request.Path}.",
                var status => $"The request to {http.Request.Path} failed with status {status}.",
            };
            return Problems.ForStatus(http.Response.StatusCode, detail).ExecuteAsync(http);
        });

        // Refuse an announced oversized body before routing; JsonBody finds chunked ones, and
        // Kestrel's MaxRequestBodySize catches bodies that grow past the limit elsewhere.
        app.Use((context, next) =>
            context.Request.ContentLength > RequestRules.MaxBodyBytes
                ? OversizedBody.RefuseAnnouncedAsync(context)
                : next(context));
    }
}
