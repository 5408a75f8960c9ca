using OrleansFabric.Runtime.Hosting;

namespace OrleansFabric.Runtime.Tests;

public sealed class ClusteringOptionsTests
{
    [Theory]
    [InlineData(4, false)]
    [InlineData(5, true)]
    [InlineData(60, true)]
    [InlineData(10080, true)]
    [InlineData(10081, false)]
    public void The_dead_silo_retention_is_between_five_minutes_and_a_week(int minutes, bool valid)
    {
        var result = new FabricOptionsValidator().Validate(null, new ClusteringOptions { DeadSiloRetentionMinutes = minutes });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains($"Fabric:Clustering:DeadSiloRetentionMinutes must be between 5 and 10080, a week (got {minutes}).", result.FailureMessage, StringComparison.Ordinal);
        }
    }
}
