namespace OrleansFabric.Sessions.Tests;

/// <summary>Registers and drops a reminder: it succeeds once the silo's reminder service has started.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task ProbeAsync();
}

/// <inheritdoc cref="IReminderProbeGrain"/>
public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public async Task ProbeAsync()
    {
        var reminder = await this.RegisterOrUpdateReminder("probe", TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        await this.UnregisterReminder(reminder);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
