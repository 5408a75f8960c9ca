using System.Globalization;
using System.Text;

namespace OrleansFabric.Cli.Display;

/// <summary>How numbers, times and lists read in tables.</summary>
internal static class Format
{
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Decimal(double value, int digits = 1) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>An age such as <c>0.4s</c>, <c>12s</c>, <c>3m10s</c> or <c>2h5m</c>.</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalSeconds < 10 ? Decimal(age.TotalSeconds) + "s"
            : age.TotalMinutes < 1 ? Number((long)age.TotalSeconds) + "s"
            : age.TotalHours < 1 ? $"{Number((long)age.TotalMinutes)}m{Number(age.Seconds)}s"
            : $"{Number((long)age.TotalHours)}h{Number(age.Minutes)}m";
    }

    public static string Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    /// <summary>Sorted numbers as ranges: <c>0-85, 170, 172-180</c>, at most <paramref name="maxRanges"/> of them.</summary>
    public static string Ranges(IEnumerable<int> numbers, int maxRanges = 8)
    {
        var ranges = new List<(int First, int Last)>();
        foreach (var number in numbers.Order())
        {
            if (ranges.Count > 0 && ranges[^1].Last + 1 == number)
            {
                ranges[^1] = (ranges[^1].First, number);
            }
            else
            {
                ranges.Add((number, number));
            }
        }

        var shown = string.Join(", ", ranges.Take(maxRanges).Select(range => range.First == range.Last
            ? Number(range.First)
            : $"{Number(range.First)}-{Number(range.Last)}"));
        return ranges.Count > maxRanges ? $"{shown}, … (+{Number(ranges.Count - maxRanges)} ranges)" : shown;
    }

    /// <summary>One line of at most <paramref name="max"/> characters: line breaks shown as <c>⏎</c>.</summary>
    public static string OneLine(string? text, int max = 60)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "-";
        }

        var line = new StringBuilder(text).Replace("\r\n", "⏎").Replace('\n', '⏎').Replace('\r', '⏎').ToString();
        return line.Length <= max ? line : string.Concat(line.AsSpan(0, max - 1), "…");
    }

    /// <summary>A list shortened to its first <paramref name="max"/> items.</summary>
    public static string List(IReadOnlyList<string> items, int max = 5) =>
        items.Count == 0 ? "-"
        : items.Count <= max ? string.Join(", ", items)
        : $"{string.Join(", ", items.Take(max))}, … (+{Number(items.Count - max)})";
}
