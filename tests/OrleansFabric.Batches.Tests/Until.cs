using OrleansFabric.TestKit;

namespace OrleansFabric.Batches.Tests;

/// <summary>Waits (bounded, 10 s) for a grain to reach a state that Orleans' scheduling brings about asynchronously.</summary>
internal static class Until
{
    public static Task TrueAsync(Func<Task<bool>> condition, string what) => Eventually.PollAsync(condition, what, TimeSpan.FromSeconds(10));
}
