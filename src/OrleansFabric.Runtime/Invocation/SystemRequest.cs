using System.Text.Json;
using OrleansFabric.Invocation;

namespace OrleansFabric.Runtime.Invocation;

/// <summary>
/// A request the runtime makes of a grain on the silo that hosts it (timer ticks, background
/// completions, reminder ticks). It never crosses a process boundary, so it has no wire form.
/// </summary>
internal abstract class SystemRequest(GrainMethod method) : GrainRequest<VoidResult>
{
    public sealed override GrainMethod Method { get; } = method;

    /// <summary>False for work (timer ticks) that must not count as activity against idle deactivation.</summary>
    public virtual bool KeepsActivationAlive => true;

    public sealed override void WriteArguments(Utf8JsonWriter writer, JsonSerializerOptions options) =>
        throw new NotSupportedException($"{Method} runs only on the silo that hosts the grain.");

    public sealed override void ReadArguments(ref Utf8JsonReader reader, JsonSerializerOptions options) =>
        throw new NotSupportedException($"{Method} runs only on the silo that hosts the grain.");

    protected static ValueTask<VoidResult> AwaitVoid(Task task) =>
        task.IsCompletedSuccessfully ? default : AwaitSlow(task);

    protected static GrainMethod Describe(string name) => new(typeof(Grain), new GrainType("system"), name, isReadOnly: false);

    private static async ValueTask<VoidResult> AwaitSlow(Task task)
    {
        await task;
        return default;
    }
}
