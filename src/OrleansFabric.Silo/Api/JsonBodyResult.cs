using System.Diagnostics.CodeAnalysis;

namespace OrleansFabric.Silo.Api;

/// <summary>A request body read by <see cref="JsonBody"/>: either the value or the problem to answer with.</summary>
/// <typeparam name="T">The request type.</typeparam>
public readonly record struct JsonBodyResult<T>
    where T : class
{
    private JsonBodyResult(T? value, IResult? problem) => (Value, Problem) = (value, problem);

    /// <summary>The request, when <see cref="IsValid"/>.</summary>
    public T? Value { get; }

    /// <summary>The 400 or 413 problem, when not <see cref="IsValid"/>.</summary>
    public IResult? Problem { get; }

    /// <summary>True when the body was read into <see cref="Value"/>.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool IsValid => Value is not null;

    /// <summary>A body that was read.</summary>
    internal static JsonBodyResult<T> Valid(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);

    /// <summary>A body that was refused.</summary>
    internal static JsonBodyResult<T> Invalid(IResult problem) => new(null, problem ?? throw new ArgumentNullException(nameof(problem)));
}
