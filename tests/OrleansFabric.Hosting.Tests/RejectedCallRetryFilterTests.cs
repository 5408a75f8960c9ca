using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization.Invocation;

namespace OrleansFabric.Hosting.Tests;

/// <summary>
/// The silo's retry of rejected grain calls: grains are retried, Orleans' own system targets
/// (a membership probe of a killed silo) fail at once, so that the probe counts as missed.
/// </summary>
public sealed class RejectedCallRetryFilterTests
{
    [Fact]
    public async Task A_rejected_membership_probe_fails_at_once_and_is_not_retried()
    {
        var context = new RejectingContext(GrainId.Create("sys.svc.membership", "127.0.0.1:11111@1"), rejections: 1);
        var filter = new RejectedCallRetryFilter(TimeProvider.System, NullLogger<RejectedCallRetryFilter>.Instance);

        await Assert.ThrowsAsync<OrleansMessageRejectionException>(() => filter.Invoke(context));
        Assert.Equal(1, context.Invocations);
    }

    [Fact]
    public async Task A_rejected_grain_call_is_retried_until_it_succeeds()
    {
        var context = new RejectingContext(GrainId.Create("essaybatch", "b1"), rejections: 1);
        var filter = new RejectedCallRetryFilter(TimeProvider.System, NullLogger<RejectedCallRetryFilter>.Instance);

        await filter.Invoke(context);
        Assert.Equal(2, context.Invocations);
    }

    [Fact]
    public void Retries_wait_at_most_200_ms_apart_and_outlast_a_killed_silos_detection_and_lease()
    {
        var waits = Enumerable.Range(1, RejectedCallRetryFilter.MaxAttempts - 1).Select(RejectedCallRetryFilter.Backoff).ToList();

        Assert.Equal([50, 100, 200, 200], waits.Take(4).Select(wait => wait.TotalMilliseconds));
        Assert.All(waits, wait => Assert.True(wait <= RejectedCallRetryFilter.MaxBackoff));
        Assert.InRange(waits.Sum(wait => wait.TotalSeconds), 2.5, 3);
    }

    [Theory]
    [InlineData("sys.svc.dir.grain.part", true)]
    [InlineData("sys.svc.user.reminders", false)]
    [InlineData("session", false)]
    public void Only_Orleans_system_targets_other_than_grain_services_are_left_alone(string type, bool leftAlone) =>
        Assert.Equal(leftAlone, RejectedCallRetryFilter.IsOrleansSystemTarget(GrainId.Create(type, "k")));

    /// <summary>A call context whose first <c>rejections</c> invocations are rejected as Orleans rejects a call to a refused connection.</summary>
    private sealed class RejectingContext(GrainId target, int rejections) : IOutgoingGrainCallContext
    {
        public int Invocations { get; private set; }

        public GrainId TargetId => target;

        public string InterfaceName => "IMembershipService";

        public string MethodName => "Ping";

        public object Grain => null!;

        public MethodInfo InterfaceMethod => null!;

        public GrainInterfaceType InterfaceType => default;

        public IInvokable Request => null!;

        public Response? Response { get; set; }

        public object? Result { get; set; }

        public GrainId? SourceId => null;

        public IGrainContext? SourceContext => null;

        public Task Invoke()
        {
            Invocations++;

            // Orleans' rejection has no public constructor; an uninitialized one is the same type.
            return Invocations <= rejections
                ? Task.FromException((OrleansMessageRejectionException)RuntimeHelpers.GetUninitializedObject(typeof(OrleansMessageRejectionException)))
                : Task.CompletedTask;
        }
    }
}
