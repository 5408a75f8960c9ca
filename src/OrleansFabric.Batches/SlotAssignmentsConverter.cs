using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansFabric.Batches;

/// <summary>
/// Stores a batch's assignments as rows of values, <c>[essay_id, text_storage_id,
/// original_file_name, assigned_at_utc_ticks]</c>, instead of objects with property names
/// and ISO timestamps: the list is rewritten with every assignment, and this halves it (a
/// 100-slot batch's state goes from about 17 kB to 9 kB). Reads both this form and the object
/// form written before it, so stored batches keep working.
/// </summary>
internal sealed class SlotAssignmentsConverter : JsonConverter<List<SlotAssignment>>
{
    public override List<SlotAssignment> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        Expect(ref reader, JsonTokenType.StartArray);
        var assignments = new List<SlotAssignment>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            assignments.Add(reader.TokenType == JsonTokenType.StartObject
                ? JsonSerializer.Deserialize(ref reader, BatchesJsonContext.Default.SlotAssignment)
                    ?? throw new JsonException("A stored assignment is null.")
                : ReadRow(ref reader));
        }

        return assignments;
    }

    public override void Write(Utf8JsonWriter writer, List<SlotAssignment> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var assignment in value)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(assignment.EssayId);
            writer.WriteStringValue(assignment.TextStorageId);
            if (assignment.OriginalFileName is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStringValue(assignment.OriginalFileName);
            }

            writer.WriteNumberValue(assignment.AssignedAt.UtcTicks);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    private static SlotAssignment ReadRow(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartArray);
        var essayId = ReadString(ref reader) ?? throw new JsonException("A stored assignment has no essay id.");
        var textStorageId = ReadString(ref reader) ?? throw new JsonException("A stored assignment has no text storage id.");
        var fileName = ReadString(ref reader);
        reader.Read();
        Expect(ref reader, JsonTokenType.Number);
        var assignedAt = new DateTimeOffset(reader.GetInt64(), TimeSpan.Zero);
        reader.Read();
        Expect(ref reader, JsonTokenType.EndArray);
        return new SlotAssignment(essayId, textStorageId, fileName, assignedAt);
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        Expect(ref reader, JsonTokenType.String);
        return reader.GetString();
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"A stored assignment list has {reader.TokenType} where {type} belongs.");
        }
    }
}
