namespace OrleansFabric.Runtime;

/// <summary>The runtime's settings after validation, in the units the runtime uses.</summary>
internal sealed record RuntimeOptions(TimeSpan IdleTimeout, TimeSpan CollectionPeriod, TimeSpan DeactivationTimeout, TimeSpan ShutdownDeadline, TimeSpan DrainPeriod);
