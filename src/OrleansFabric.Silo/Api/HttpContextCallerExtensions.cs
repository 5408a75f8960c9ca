namespace OrleansFabric.Silo.Api;

/// <summary>Access to the authenticated caller from endpoints.</summary>
public static class HttpContextCallerExtensions
{
    /// <summary>The caller of this request (anonymous when no keys are configured).</summary>
    public static ApiCaller Caller(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<ApiCaller>() ?? ApiCaller.Anonymous;
    }
}
