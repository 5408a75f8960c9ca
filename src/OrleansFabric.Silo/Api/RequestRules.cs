using System.Text;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// API.md's limits on requests: bodies of at most 1 MiB, ids of 1-200 characters without
/// control characters, texts of at most 32 KiB. The checks return the problem detail naming
/// the field, or null when the value is fine.
/// </summary>
public static class RequestRules
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
}
