using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// The one factory for API errors: RFC 9457 <c>application/problem+json</c> with
/// <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c> and the machine-readable <c>code</c>
/// of API.md (<see cref="ErrorCodes"/>).
/// </summary>
public static class Problems
{
    /// <summary>A problem result for <paramref name="code"/>, with Retry-After when <paramref name="retryAfter"/> is given.</summary>
    public static IResult For(string code, string detail, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        var (status, title) = ErrorCodes.Describe(code);
        return Create(code, status, title, detail, retryAfter);
    }

    /// <summary>A 400 <c>validation_failed</c> problem; <paramref name="detail"/> names the offending field.</summary>
    public static IResult Validation(string detail) => For(ErrorCodes.ValidationFailed, detail);

    /// <summary>A problem for a bare status code produced by the HTTP stack (status-code pages).</summary>
    public static IResult ForStatus(int status, string detail)
    {
        var code = ErrorCodes.FromStatus(status);
        var (described, title) = ErrorCodes.Describe(code);
        return Create(code, status, described == status ? title : ReasonPhrases.GetReasonPhrase(status), detail, null);
    }

    /// <summary>Writes a problem directly to a response (middleware and error handlers).</summary>
    public static Task WriteAsync(HttpContext context, string code, string detail, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return For(code, detail, retryAfter).ExecuteAsync(context);
    }

    private static IResult Create(string code, int status, string title, string detail, TimeSpan? retryAfter)
    {
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

    private sealed class WithRetryAfter(IResult inner, TimeSpan delay) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
