using Microsoft.Extensions.Options;

namespace OrleansFabric.Sessions;

/// <summary>Checks the session settings at start-up, naming the key of each bad value.</summary>
internal sealed class SessionsOptionsValidator : IValidateOptions<SessionsOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionsOptions options)
    {
        var failures = new List<string>();
        const string section = SessionsOptions.Section;
        Check(() => SessionStrategies.Parse(options.DefaultStrategy), $"{section}:DefaultStrategy");
        foreach (var (channel, channelOptions) in options.Channels)
        {
            if (channelOptions.Strategy is { } strategy)
            {
                Check(() => SessionStrategies.Parse(strategy), $"{section}:Channels:{channel}:Strategy");
            }
        }

        Range(options.AggregationWindowMs, 0, 600_000, "AggregationWindowMs");
        Range(options.MaxAggregationDelayMs, 0, 600_000, "MaxAggregationDelayMs");
        Range(options.MaxPendingMessages, 1, 100_000, "MaxPendingMessages");
        Range(options.TurnHistory, 1, 100_000, "TurnHistory");
        Range(options.ResumeCheckSeconds, 10, 3600, "ResumeCheckSeconds");
        Range(options.Brain.DelayMs, 0, 600_000, "Brain:DelayMs");
        Range(options.TurnTimeoutSeconds, 1, 3600, "TurnTimeoutSeconds");
        Range(options.MaxMessagesPerTurn, 1, 100_000, "MaxMessagesPerTurn");
        Range(options.Brain.MaxConcurrentCalls, 1, 100_000, "Brain:MaxConcurrentCalls");
        var breaker = options.Brain.CircuitBreaker;
        if (!(breaker.FailureRatio > 0 && breaker.FailureRatio <= 1))
        {
            failures.Add($"{section}:Brain:CircuitBreaker:FailureRatio must be above 0 and at most 1 (got {breaker.FailureRatio.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
        }

        Range(breaker.MinimumCalls, 0, 1_000_000, "Brain:CircuitBreaker:MinimumCalls");
        Range(breaker.WindowSeconds, 1, 3600, "Brain:CircuitBreaker:WindowSeconds");
        Range(breaker.BreakSeconds, 1, 3600, "Brain:CircuitBreaker:BreakSeconds");
        if (string.Equals(options.Brain.Kind, BrainOptions.OpenAiKind, StringComparison.OrdinalIgnoreCase))
        {
            var openAi = options.Brain.OpenAi;
            if (openAi.BaseUrl is not { IsAbsoluteUri: true } baseUrl || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{section}:Brain:OpenAi:BaseUrl must be an absolute http or https URL when Brain:Kind is openai (got '{openAi.BaseUrl}').");
            }

            if (string.IsNullOrWhiteSpace(openAi.Model))
            {
                failures.Add($"{section}:Brain:OpenAi:Model is required when Brain:Kind is openai.");
            }

            if (string.IsNullOrWhiteSpace(openAi.ApiKeyVariable))
            {
                failures.Add($"{section}:Brain:OpenAi:ApiKeyVariable must name an environment variable.");
            }

            Range(openAi.TimeoutSeconds, 1, 3600, "Brain:OpenAi:TimeoutSeconds");
        }
        else if (!string.Equals(options.Brain.Kind, BrainOptions.EchoKind, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{section}:Brain:Kind must be 'echo' or 'openai' (got '{options.Brain.Kind}').");
        }

        options.Delivery.Validate($"{section}:Delivery", failures);

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;

        void Check(Action parse, string key)
        {
            try
            {
                parse();
            }
            catch (ArgumentException exception)
            {
                failures.Add($"{key}: {exception.Message}");
            }
        }

        void Range(int value, int min, int max, string key)
        {
            if (value < min || value > max)
            {
                failures.Add($"{section}:{key} must be between {min} and {max} (got {value}).");
            }
        }
    }
}
