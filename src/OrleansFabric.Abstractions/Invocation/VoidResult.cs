namespace OrleansFabric.Invocation;

/// <summary>The result type of grain methods that return no value (<see cref="Task"/> or <see cref="ValueTask"/>).</summary>
public readonly struct VoidResult : IEquatable<VoidResult>
{
    /// <inheritdoc/>
    public bool Equals(VoidResult other) => true;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is VoidResult;

    /// <inheritdoc/>
    public override int GetHashCode() => 0;

    /// <summary>All void results are equal.</summary>
    public static bool operator ==(VoidResult left, VoidResult right) => true;

    /// <summary>All void results are equal.</summary>
    public static bool operator !=(VoidResult left, VoidResult right) => false;
}
