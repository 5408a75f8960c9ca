using System.Globalization;

namespace OrleansFabric.Benchmarks;

/// <summary>Command-line options of the form <c>--name value</c>.</summary>
internal sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Options(values);
    }

    public string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) => values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => values.TryGetValue(name, out var value) ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A comma-separated list of whole numbers (<c>--silos 1,2,3</c>), or <paramref name="fallback"/>.</summary>
    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> fallback) =>
        values.TryGetValue(name, out var value)
            ? [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(item => int.Parse(item, CultureInfo.InvariantCulture))]
            : fallback;
}
