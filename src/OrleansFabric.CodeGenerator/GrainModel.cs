using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace OrleansFabric.CodeGenerator;

/// <summary>What the generator knows about one grain interface; equatable so the pipeline caches.</summary>
internal sealed record GrainInterfaceModel(
    string Namespace,
    string Name,
    string FullName,
    string GrainType,
    EquatableArray<GrainMethodModel> Methods,
    EquatableArray<DiagnosticModel> Diagnostics);

/// <summary>One method of a grain interface.</summary>
internal sealed record GrainMethodModel(
    string Name,
    string WireName,
    string ClassName,
    ReturnKind ReturnKind,
    string ResultType,
    string ReturnType,
    string DeclaringInterface,
    bool IsReadOnly,
    EquatableArray<GrainParameterModel> Parameters);

/// <summary>One parameter of a grain method.</summary>
internal sealed record GrainParameterModel(string Name, string Type, bool IsCancellationToken);

/// <summary>A diagnostic found while reading an interface.</summary>
internal sealed record DiagnosticModel(string Id, string Argument, Location? Location);

/// <summary>The shapes of return type a grain method may have.</summary>
internal enum ReturnKind
{
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>An immutable array compared by its elements.</summary>
internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IEnumerable<T>
{
    private readonly ImmutableArray<T> _items;

    public EquatableArray(IEnumerable<T> items) => _items = items.ToImmutableArray();

    public int Count => _items.IsDefault ? 0 : _items.Length;

    public T this[int index] => _items[index];

    public bool Equals(EquatableArray<T> other) => this.SequenceEqual(other);

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = 17;
        foreach (var item in this)
        {
            hash = (hash * 31) + (item?.GetHashCode() ?? 0);
        }

        return hash;
    }

    public IEnumerator<T> GetEnumerator() => (_items.IsDefault ? ImmutableArray<T>.Empty : _items).AsEnumerable().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
