namespace OrleansFabric.Cli.Api;

/// <summary>The API answered with an error: the problem+json code and detail, or why the answer could not be read.</summary>
internal sealed class ApiProblemException : Exception
{
    public ApiProblemException(ApiResponse response)
        : base(Describe(response))
    {
        IsServerError = response.Status >= 500;
    }

    public ApiProblemException(ApiResponse response, string reason)
        : base($"{response.Url} answered {response.Status}: {reason}")
    {
        IsServerError = response.Status >= 500;
    }

    /// <summary>The answer was a 5xx: the server failed, the request itself may be fine.</summary>
    public bool IsServerError { get; }

    private static string Describe(ApiResponse response)
    {
        var problem = response.Problem();
        var detail = problem?.Detail ?? problem?.Title ?? (response.Body.Length > 0 ? response.Body : "no details");
        return $"{response.Code} ({response.Status}): {detail}";
    }
}
