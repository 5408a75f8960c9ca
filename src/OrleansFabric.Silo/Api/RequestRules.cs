using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// API.md's limits on requests: bodies of at most 1 MiB, ids of 1-200 characters without
/// control characters, texts of at most 32 KiB, times in RFC 3339, objects where an object is
/// asked for. The checks return the problem detail naming the field, or null when the value is fine.
/// </summary>
public static partial class RequestRules
{
    /// <summary>The largest request body accepted (413 <c>payload_too_large</c> beyond it).</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    /// <summary>The longest id, in characters.</summary>
    public const int MaxIdLength = 200;

    /// <summary>The longest text, in UTF-8 bytes.</summary>
    public const int MaxTextBytes = 32 * 1024;

    /// <summary>Checks an id field (<c>tenant_id</c>, <c>message_id</c>, <c>batch_id</c>, ...).</summary>
    public static string? CheckId(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"Field '{field}' is required and must not be empty.";
        }

        if (value.Length > MaxIdLength)
        {
            return $"Field '{field}' is {value.Length} characters long; ids are at most {MaxIdLength}.";
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return $"Field '{field}' contains a control character; ids must not.";
            }
        }

        return null;
    }

    /// <summary>Checks a text field (a message's <c>text</c>).</summary>
    public static string? CheckText(string field, string? value)
    {
        if (value is null)
        {
            return $"Field '{field}' is required.";
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        return bytes > MaxTextBytes ? $"Field '{field}' is {bytes} bytes long; texts are at most {MaxTextBytes} bytes (32 KiB)." : null;
    }

    /// <summary>Checks an optional text field (absent is fine).</summary>
    public static string? CheckOptionalText(string field, string? value) => value is null ? null : CheckText(field, value);

    /// <summary>
    /// Checks an optional RFC 3339 time (<c>2026-11-22T10:00:00Z</c>, <c>2026-11-22T12:00:00.5+02:00</c>):
    /// a date, a time and an offset are all required, unlike the looser ISO 8601 forms .NET accepts.
    /// </summary>
    public static string? CheckOptionalTime(string field, string? value, out DateTimeOffset? time)
    {
        time = null;
        if (value is null)
        {
            return null;
        }

        if (!Rfc3339().IsMatch(value) || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return $"Field '{field}' must be an RFC 3339 time with an offset, such as 2026-11-22T10:00:00Z.";
        }

        time = parsed;
        return null;
    }

    /// <summary>Checks an optional field that must be a JSON object when present (null counts as absent).</summary>
    public static string? CheckOptionalObject(string field, JsonElement? value) =>
        value is { ValueKind: not JsonValueKind.Object and not JsonValueKind.Null }
            ? $"Field '{field}' must be a JSON object."
            : null;

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?([Zz]|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
