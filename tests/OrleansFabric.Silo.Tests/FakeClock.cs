using Microsoft.Extensions.Time.Testing;

namespace OrleansFabric.Silo.Tests;

/// <summary>
/// Gives a silo's grains a <see cref="FakeTimeProvider"/> (their clock, their grain timers and
/// reminders read Orleans' "Orleans.Grains" and "Orleans.Reminders" time providers) while the
/// Orleans runtime itself (messaging, membership, activation management, the directory) and the
/// HTTP endpoints keep real time.
/// </summary>
internal static class FakeClock
{
    /// <summary>Registers <paramref name="clock"/> as the grains' and reminders' clock.</summary>
    public static void AddTo(WebApplicationBuilder builder, FakeTimeProvider clock)
    {
        builder.Services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Grains, clock);
        builder.Services.AddKeyedSingleton<TimeProvider>("Orleans.Reminders", clock);
    }
}
