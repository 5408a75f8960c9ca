namespace OrleansFabric.Cli.Api;

/// <summary>The API answered with an error: the problem+json code and detail, or why the answer could not be read.</summary>
internal sealed class ApiProblemException : Exception
{
    public ApiProblemException(ApiResponse response)
        : base(Describe(response))
    {
    }

    public ApiProblemException(ApiResponse response, string reason)
        : base($"{response.Url} answered {response.Status}: {reason}")
    {
    }

    private static string Describe(ApiResponse response)
    {
        var problem = response.Problem();
        var detail = problem?.Detail ?? problem?.Title ?? (response.Body.Length > 0 ? response.Body : "no details");
        return $"{response.Code} ({response.Status}): {detail}";
    }
}
