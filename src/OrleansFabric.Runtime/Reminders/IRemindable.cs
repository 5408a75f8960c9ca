namespace OrleansFabric.Runtime;

/// <summary>Implemented by grain classes that register durable reminders.</summary>
public interface IRemindable
{
    /// <summary>
    /// A reminder is due. Runs as a turn. If it throws, the runtime retries the tick with
    /// backoff until it succeeds; a one-shot reminder is deleted only after a successful tick.
    /// </summary>
    Task ReceiveReminderAsync(string reminderName, TickStatus status, CancellationToken cancellationToken);
}
