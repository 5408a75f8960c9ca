namespace OrleansFabric.Runtime;

/// <summary>The outcome of background work, delivered to the grain as a turn.</summary>
/// <typeparam name="T">The work's result type.</typeparam>
/// <param name="Value">The result, when the work succeeded.</param>
/// <param name="Exception">The failure, when the work threw (not for cancellation).</param>
/// <param name="IsCanceled">True when the work ended because its token was cancelled.</param>
public readonly record struct BackgroundResult<T>(T? Value, Exception? Exception, bool IsCanceled)
{
    /// <summary>True when the work completed with a value.</summary>
    public bool IsSuccess => Exception is null && !IsCanceled;
}
