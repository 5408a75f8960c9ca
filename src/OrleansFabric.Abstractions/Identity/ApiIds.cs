namespace OrleansFabric;

/// <summary>
/// The API's rules for ids and texts (API.md), shared by the HTTP endpoints and the grains
/// themselves, so a call through the typed client or the grain gateway meets the same rules.
/// </summary>
public static class ApiIds
{
    /// <summary>The longest id.</summary>
    public const int MaxIdLength = 200;

    /// <summary>The longest text, in UTF-8 bytes.</summary>
    public const int MaxTextBytes = 32 * 1024;

    /// <summary>Why <paramref name="value"/> is not a valid id, or null when it is.</summary>
    public static string? Problem(string? value) =>
        string.IsNullOrEmpty(value) ? "must not be empty"
        : value.Length > MaxIdLength ? $"must be at most {MaxIdLength} characters"
        : value.Any(char.IsControl) ? "must not contain control characters"
        : null;

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="field"/> when <paramref name="value"/> is not a valid id.</summary>
    public static void Check(string? value, string field)
    {
        if (Problem(value) is { } problem)
        {
            throw new ArgumentException($"{field} {problem}.", field);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="field"/> when <paramref name="text"/> is over 32 KiB.</summary>
    public static void CheckText(string? text, string field)
    {
        if (text is not null && System.Text.Encoding.UTF8.GetByteCount(text) > MaxTextBytes)
        {
            throw new ArgumentException($"{field} must be at most {MaxTextBytes} bytes of UTF-8.", field);
        }
    }
}
