namespace OrleansFabric.Hosting.Delivery;

/// <summary>Webhook delivery settings of an application (<c>Fabric:Sessions:Delivery</c>, <c>Fabric:Batches:Delivery</c>).</summary>
public sealed class DeliveryOptions
{
    /// <summary>Where outbox messages are POSTed. Unset: no webhook, nothing is queued for delivery.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>How long one attempt may take before it counts as failed. Default 10.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>The wait after the first failed attempt; it doubles after each further failure. Default 1000.</summary>
    public int InitialBackoffMs { get; set; } = 1000;

    /// <summary>The longest wait between attempts. Default 60.</summary>
    public int MaxBackoffSeconds { get; set; } = 60;

    /// <summary>
    /// Failed attempts after which a message is dead-lettered (kept in the grain's history,
    /// counted, removed from the outbox) so that the next one can go. Default 0: retried until a 2xx.
    /// </summary>
    public int MaxAttempts { get; set; }

    /// <summary>Adds a message naming the key to <paramref name="failures"/> for each bad value under <paramref name="section"/>.</summary>
    public void Validate(string section, ICollection<string> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (WebhookUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{section}:WebhookUrl must be an absolute http or https URL (got '{url}').");
        }

        Check(TimeoutSeconds, 1, 600, "TimeoutSeconds");
        Check(InitialBackoffMs, 1, 600_000, "InitialBackoffMs");
        Check(MaxBackoffSeconds, 1, 86_400, "MaxBackoffSeconds");
        Check(MaxAttempts, 0, 1_000_000, "MaxAttempts");

        void Check(int value, int min, int max, string key)
        {
            if (value < min || value > max)
            {
                failures.Add($"{section}:{key} must be between {min} and {max} (got {value}).");
            }
        }
    }
}
