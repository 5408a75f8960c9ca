namespace OrleansFabric.Charts.Tests;

/// <summary>A build stage: the image it starts FROM, its AS name, and its instructions after FROM.</summary>
internal sealed record DockerStage(string Image, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    /// <summary>The arguments of every instruction with <paramref name="keyword"/>, in order.</summary>
    public IReadOnlyList<string> ArgumentsOf(string keyword) =>
        [.. Instructions.Where(instruction => instruction.Keyword == keyword).Select(instruction => instruction.Arguments)];
}
