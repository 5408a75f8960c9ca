using System.Globalization;

namespace OrleansFabric.Cli;

/// <summary>
/// A command's arguments: positionals, <c>--name value</c> or <c>--name=value</c> options and
/// flags, checked against what the command accepts. Every malformed argument is a
/// <see cref="UsageException"/> naming it.
/// </summary>
internal sealed class ParsedArguments
{
    /// <summary>Options every command accepts.</summary>
    public static readonly IReadOnlyList<string> GlobalValueOptions = ["--url"];

    /// <summary>Flags every command accepts.</summary>
    public static readonly IReadOnlyList<string> GlobalFlags = ["--json", "--help"];

    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _flags;

    private ParsedArguments(List<string> positionals, Dictionary<string, string> values, HashSet<string> flags)
    {
        Positionals = positionals;
        _values = values;
        _flags = flags;
    }

    public IReadOnlyList<string> Positionals { get; }

    /// <summary>Parses <paramref name="tokens"/> for a command accepting <paramref name="valueOptions"/> and <paramref name="flags"/> besides the global ones.</summary>
    public static ParsedArguments Parse(IEnumerable<string> tokens, IReadOnlyList<string> valueOptions, IReadOnlyList<string> flags)
    {
        var positionals = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var set = new HashSet<string>(StringComparer.Ordinal);
        using var token = tokens.GetEnumerator();
        var onlyPositionals = false;
        while (token.MoveNext())
        {
            var current = token.Current;
            if (onlyPositionals || !current.StartsWith('-') || current == "-")
            {
                positionals.Add(current);
                continue;
            }

            if (current == "--")
            {
                onlyPositionals = true;
                continue;
            }

            var name = current == "-h" ? "--help" : current;
            string? inline = null;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                inline = name[(equals + 1)..];
                name = name[..equals];
            }

            if (GlobalFlags.Contains(name) || flags.Contains(name))
            {
                if (inline is not null)
                {
                    throw new UsageException($"option {name} takes no value");
                }

                set.Add(name);
            }
            else if (GlobalValueOptions.Contains(name) || valueOptions.Contains(name))
            {
                if (inline is null && !token.MoveNext())
                {
                    throw new UsageException($"option {name} needs a value");
                }

                values[name] = inline ?? token.Current;
            }
            else
            {
                throw new UsageException($"unknown option {name}");
            }
        }

        return new ParsedArguments(positionals, values, set);
    }

    public bool Has(string flag) => _flags.Contains(flag) || _values.ContainsKey(flag);

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public string Text(string name, string defaultValue)
    {
        var value = Value(name) ?? defaultValue;
        return value.Length is > 0 and <= 200 && !value.Any(char.IsControl)
            ? value
            : throw new UsageException($"{name} must be 1-200 characters without control characters");
    }

    public int Int(string name, int defaultValue, int min, int max) =>
        (int)Long(name, defaultValue, min, max);

    public long Long(string name, long defaultValue, long min, long max)
    {
        if (Value(name) is not { } text)
        {
            return defaultValue;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{name} must be a whole number from {min} to {max} (got '{text}')");
    }

    public double Double(string name, double defaultValue, double min, double max)
    {
        if (Value(name) is not { } text)
        {
            return defaultValue;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{name} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)} (got '{text}')");
    }

    /// <summary>A duration such as <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> or plain seconds, up to <paramref name="max"/>.</summary>
    public TimeSpan? Duration(string name, TimeSpan max)
    {
        if (Value(name) is not { } text)
        {
            return null;
        }

        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], TimeSpan.FromMilliseconds(1))
            : text.EndsWith('s') ? (text[..^1], TimeSpan.FromSeconds(1))
            : text.EndsWith('m') ? (text[..^1], TimeSpan.FromMinutes(1))
            : text.EndsWith('h') ? (text[..^1], TimeSpan.FromHours(1))
            : (text, TimeSpan.FromSeconds(1));
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0 && unit * value <= max
            ? unit * value
            : throw new UsageException($"{name} must be a duration such as 500ms, 30s, 2m or 1h, at most {max.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes (got '{text}')");
    }
}
