using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrleansFabric.Cli.Api;

/// <summary>An HTTP answer of the API: its status, body and the URL that gave it.</summary>
internal sealed record ApiResponse(int Status, string Body, string Url)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>The problem+json code of an error (<c>http_404</c> and so on when the body has none).</summary>
    public string Code => Problem()?.Code ?? $"http_{Status}";

    /// <summary>How load summaries count an error: status and problem code, e.g. <c>429 queue_full</c>.</summary>
    public string ErrorKey => $"{Status} {Code}";

    /// <summary>The body as <typeparamref name="T"/>; an error answer throws <see cref="ApiProblemException"/>.</summary>
    public T Read<T>(JsonTypeInfo<T> type)
    {
        if (!IsSuccess)
        {
            throw new ApiProblemException(this);
        }

        try
        {
            return JsonSerializer.Deserialize(Body, type) ?? throw new ApiProblemException(this, "the answer was empty");
        }
        catch (JsonException e)
        {
            throw new ApiProblemException(this, $"the answer is not the expected JSON: {e.Message}");
        }
    }

    /// <summary>The problem+json body, when the answer has one.</summary>
    public ProblemInfo? Problem()
    {
        if (IsSuccess || Body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(Body, CliJsonContext.Default.ProblemInfo);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
