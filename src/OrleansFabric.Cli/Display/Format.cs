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
