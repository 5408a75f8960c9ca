using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrleansFabric.Invocation;

/// <summary>
/// The helpers generated requests use to move arguments and results through JSON. Type
/// metadata comes from the options' resolver (a chain of source-generated
/// <c>JsonSerializerContext</c>s), looked up once per type and cached by the options.
/// </summary>
public static class GrainSerializer
{
    /// <summary>Writes <paramref name="value"/> as the next JSON value.</summary>
    public static void Write<T>(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, TypeInfo<T>(options));

    /// <summary>Advances to the next value of an argument array and reads it.</summary>
    public static T Read<T>(ref Utf8JsonReader reader, JsonSerializerOptions options)
    {
        if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
        {
            throw new JsonException("The argument array has fewer values than the method has parameters.");
        }

        return ReadCurrent<T>(ref reader, options);
    }

    /// <summary>Reads the value at the reader's current token.</summary>
    public static T ReadCurrent<T>(ref Utf8JsonReader reader, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize(ref reader, TypeInfo<T>(options))!;

    /// <summary>Checks that the reader stands on the start of an argument array.</summary>
    public static void ReadStartArray(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.None)
        {
            reader.Read();
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("Grain call arguments must be a JSON array.");
        }
    }

    /// <summary>Checks that the argument array ends after the last parameter.</summary>
    public static void ReadEndArray(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
        {
            throw new JsonException("The argument array has more values than the method has parameters.");
        }
    }

    private static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions options) =>
        (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
