using System.Reflection;
using System.Text.Json;

namespace OrleansFabric.Invocation;

/// <summary>
/// Carries a grain method's exception across a process boundary as
/// <c>{ "type": "...", "message": "..." }</c>. The receiver recreates the same exception type
/// when it can load it and it has a public constructor taking a message; otherwise it raises
/// <see cref="GrainCallException"/> with the original type name and message.
/// </summary>
public static class GrainExceptionCodec
{
    /// <summary>Writes <paramref name="exception"/> as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(exception);
        var type = exception.GetType();
        writer.WriteStartObject();
        writer.WriteString("type", type.FullName);
        writer.WriteString("assembly", type.Assembly.GetName().Name);
        writer.WriteString("message", exception.Message);
        if (exception is InconsistentStateException inconsistent)
        {
            writer.WriteString("expected_etag", inconsistent.ExpectedETag);
            writer.WriteString("stored_etag", inconsistent.StoredETag);
        }

        if (exception is FabricUnavailableException unavailable)
        {
            writer.WriteNumber("retry_after_ms", (long)unavailable.RetryAfter.TotalMilliseconds);
        }

        writer.WriteEndObject();
    }

    /// <summary>Recreates the exception written by <see cref="Write"/>.</summary>
    public static Exception Read(JsonElement error)
    {
        var typeName = error.TryGetProperty("type", out var t) ? t.GetString() : null;
        var assemblyName = error.TryGetProperty("assembly", out var a) ? a.GetString() : null;
        var message = error.TryGetProperty("message", out var m) ? m.GetString() ?? string.Empty : string.Empty;
        switch (typeName)
        {
            case "OrleansFabric.InconsistentStateException":
                return new InconsistentStateException(message)
                {
                    ExpectedETag = error.TryGetProperty("expected_etag", out var expected) ? expected.GetString() : null,
                    StoredETag = error.TryGetProperty("stored_etag", out var stored) ? stored.GetString() : null,
                };
            case "OrleansFabric.FabricOutcomeUnknownException":
                return new FabricOutcomeUnknownException(message);
            case "OrleansFabric.FabricUnavailableException":
                return new FabricUnavailableException(message)
                {
                    RetryAfter = TimeSpan.FromMilliseconds(error.TryGetProperty("retry_after_ms", out var retry) ? retry.GetInt64() : 1000),
                };
        }

        var type = Resolve(typeName, assemblyName);
        if (type is not null && type.GetConstructor([typeof(string)]) is { } constructor)
        {
            try
            {
                return (Exception)constructor.Invoke([message]);
            }
            catch (TargetInvocationException)
            {
                // Fall back below.
            }
        }

        return new GrainCallException(message) { RemoteType = typeName };
    }

    private static Type? Resolve(string? typeName, string? assemblyName)
    {
        if (typeName is null)
        {
            return null;
        }

        var type = Type.GetType(typeName, throwOnError: false)
            ?? (assemblyName is null ? null : AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(assembly => assembly.GetName().Name == assemblyName)?.GetType(typeName, throwOnError: false));
        return type is not null && typeof(Exception).IsAssignableFrom(type) && !type.IsAbstract ? type : null;
    }
}
