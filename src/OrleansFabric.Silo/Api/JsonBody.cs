using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrleansFabric.Silo.Api;

/// <summary>
/// Reads JSON request bodies for endpoints with source-generated metadata (register the
/// request type in <see cref="ApiJsonContext"/>, which uses snake_case and treats
/// non-nullable members and constructor parameters without defaults as required). Every
/// failure becomes the problem API.md asks for: 413 <c>payload_too_large</c> past 1 MiB (after
/// the rest of the body was discarded, see <see cref="OversizedBody"/>), and
/// 400 <c>validation_failed</c> naming the field for malformed JSON, wrong types, nulls and
/// missing required fields. Unknown fields are ignored.
/// </summary>
/// <example>
/// <code>
/// var body = await JsonBody.ReadAsync(request, ApiJsonContext.Default.PostMessageRequest, cancellationToken);
/// if (!body.IsValid) return body.Problem;
/// </code>
/// </example>
public static class JsonBody
{
    private static readonly JsonDocumentOptions s_documentOptions = new() { MaxDepth = 64 };

    /// <summary>Reads and deserializes the body of <paramref name="request"/>.</summary>
    public static async Task<JsonBodyResult<T>> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var context = request.HttpContext;
        if (request.ContentLength > RequestRules.MaxBodyBytes)
        {
            await OversizedBody.DiscardAnnouncedAsync(context);
            return TooLarge<T>();
        }

        // This method enforces the 1 MiB itself, so that a body found too large (chunked) is
        // read to its end and answered, rather than failed by Kestrel mid-stream.
        OversizedBody.AllowDrain(context);

        // The body is read where Kestrel received it (no copy into a stream of our own) and
        // parsed in place when it arrived in one piece, as small bodies do.
        var reader = request.BodyReader;
        ReadResult read;
        try
        {
            while (true)
            {
                read = await reader.ReadAsync(cancellationToken);
                if (read.Buffer.Length > RequestRules.MaxBodyBytes)
                {
                    reader.AdvanceTo(read.Buffer.End);
                    if (!read.IsCompleted)
                    {
                        await OversizedBody.DrainAsync(context);
                    }

                    return TooLarge<T>();
                }

                if (read.IsCompleted)
                {
                    break;
                }

                // Nothing consumed, everything examined: the next read returns more.
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            context.Response.Headers.Connection = "close"; // past the drain bound: the rest is not read
            return TooLarge<T>();
        }

        try
        {
            var body = read.Buffer;
            return Parse(body.IsSingleSegment ? body.First : body.ToArray(), typeInfo);
        }
        finally
        {
            reader.AdvanceTo(read.Buffer.End);
        }
    }

    /// <summary>Deserializes <paramref name="json"/> (a whole request body) with the same rules as <see cref="ReadAsync{T}"/>.</summary>
    public static JsonBodyResult<T> Parse<T>(ReadOnlyMemory<byte> json, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (json.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Invalid<T>("The request body is empty; send a JSON object.");
        }

        // Fast path: well-formed requests (nearly all of them) are deserialized straight from
        // the bytes; only a body that fails is parsed again to say precisely what is wrong.
        try
        {
            if (JsonSerializer.Deserialize(json.Span, typeInfo) is { } parsed)
            {
                return JsonBodyResult<T>.Valid(parsed);
            }
        }
        catch (JsonException)
        {
            // described below
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, s_documentOptions);
        }
        catch (JsonException exception)
        {
            return Invalid<T>($"The request body is not valid JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}).");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Invalid<T>($"The request body must be a JSON object, not {Describe(root.ValueKind)}.");
            }

            try
            {
                return root.Deserialize(typeInfo) is { } value
                    ? JsonBodyResult<T>.Valid(value)
                    : Invalid<T>("The request body must be a JSON object.");
            }
            catch (JsonException exception)
            {
                return Invalid<T>(DescribeFailure(exception, root, typeInfo));
            }
        }
    }

    private static string DescribeFailure<T>(JsonException exception, JsonElement root, JsonTypeInfo<T> typeInfo)
    {
        var field = FieldOf(exception.Path);
        if (field.Length == 0)
        {
            var missing = MissingRequired(root, typeInfo);
            return missing.Count switch
            {
                0 => "The request body does not have the expected fields.",
                1 => $"Field '{missing[0]}' is required.",
                _ => $"Fields {string.Join(", ", missing.Select(name => $"'{name}'"))} are required.",
            };
        }

        // The path names the member being read when it failed: a wrong type, a null where a
        // value is required, or (inside a nested object) a missing required field.
        return root.TryGetProperty(field, out var element) && element.ValueKind == JsonValueKind.Null
            ? $"Field '{field}' must not be null."
            : $"Field '{field}' is not valid: wrong type, out of range, or missing a required member.";
    }

    private static List<string> MissingRequired<T>(JsonElement root, JsonTypeInfo<T> typeInfo)
    {
        var missing = new List<string>();
        var constructorParametersRequired = typeInfo.Options.RespectRequiredConstructorParameters;
        foreach (var property in typeInfo.Properties)
        {
            var required = property.IsRequired || (constructorParametersRequired && property.AssociatedParameter is { HasDefaultValue: false });
            if (required && !root.TryGetProperty(property.Name, out _))
            {
                missing.Add(property.Name);
            }
        }

        return missing;
    }

    /// <summary><c>$.a.b[2]</c> → <c>a.b[2]</c>; <c>$['odd name']</c> → <c>odd name</c>; <c>$</c> → empty.</summary>
    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return string.Empty;
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.StartsWith("['", StringComparison.Ordinal) && field.EndsWith("']", StringComparison.Ordinal) ? field[2..^2] : field;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "this value",
    };

    private static JsonBodyResult<T> TooLarge<T>()
        where T : class =>
        JsonBodyResult<T>.Invalid(Problems.For(ErrorCodes.PayloadTooLarge, $"Request bodies are at most {RequestRules.MaxBodyBytes} bytes."));

    private static JsonBodyResult<T> Invalid<T>(string detail)
        where T : class =>
        JsonBodyResult<T>.Invalid(Problems.Validation(detail));
}
