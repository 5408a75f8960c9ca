namespace OrleansFabric.Charts.Tests;

/// <summary>
/// The stages of a Dockerfile, read the way the builder reads them: comment lines and blank
/// lines dropped, lines ending in a backslash joined, a new stage at every FROM.
/// </summary>
internal sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerStage> stages) => Stages = stages;

    public IReadOnlyList<DockerStage> Stages { get; }

    public static Dockerfile Parse(string text)
    {
        var stages = new List<DockerStage>();
        var logical = string.Empty;
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n').Select(line => line.Trim()))
        {
            if (line.StartsWith('#') || (line.Length == 0 && logical.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                logical += line[..^1] + " ";
                continue;
            }

            Add(stages, (logical + line).Trim());
            logical = string.Empty;
        }

        return new Dockerfile(stages);
    }

    private static void Add(List<DockerStage> stages, string instruction)
    {
        if (instruction.Length == 0)
        {
            return;
        }

        var parts = instruction.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        var keyword = parts[0].ToUpperInvariant();
        var arguments = parts.Length > 1 ? parts[1].Trim() : string.Empty;
        if (keyword == "FROM")
        {
            var from = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var name = from.Length == 3 && from[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? from[2] : null;
            stages.Add(new DockerStage(from[0], name, []));
            return;
        }

        var stage = stages.Count > 0 ? stages[^1] : throw new FormatException($"'{instruction}' comes before the first FROM.");
        stages[^1] = stage with { Instructions = [.. stage.Instructions, new DockerInstruction(keyword, arguments)] };
    }
}
