using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// The one factory for API errors: RFC 9457 <c>application/problem+json</c> with
/// <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c> and the machine-readable <c>code</c>.
/// </summary>
public static class Problems
{
    /// <summary>A problem result for <paramref name="code"/>.</summary>
    public static IResult For(string code, string detail, TimeSpan? retryAfter = null)
    {
        var (status, title) = ErrorCodes.Describe(code);
        var problem = new ProblemDetails
        {
            Type = $"urn:orleansfabric:error:{code}",
            Title = title,
            Status = status,
            Detail = detail,
            Extensions = { ["code"] = code },
        };
        var result = TypedResults.Problem(problem);
        return retryAfter is { } delay ? new WithRetryAfter(result, delay) : result;
    }

    /// <summary>Writes a problem directly to a response (middleware and error handlers).</summary>
    public static Task WriteAsync(HttpContext context, string code, string detail, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return For(code, detail, retryAfter).ExecuteAsync(context);
    }

    private sealed class WithRetryAfter(IResult inner, TimeSpan delay) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
