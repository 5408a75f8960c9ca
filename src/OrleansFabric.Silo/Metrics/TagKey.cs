using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace OrleansFabric.Silo.Metrics;

/// <summary>
/// The label set of one series: tag names and values sorted by name, compared by value. Up to
/// four tags with string values (every fabric instrument: a turn's tenant, channel, strategy
/// and status are four) are held inline, so finding an existing series allocates nothing;
/// more tags go to an array.
/// </summary>
internal readonly struct TagKey : IEquatable<TagKey>
{
    private const int Inline = 4;
    private readonly Tag _a;
    private readonly Tag _b;
    private readonly Tag _c;
    private readonly Tag _d;
    private readonly Tag[]? _more;
    private readonly int _count;

    private TagKey(Tag a, Tag b, Tag c, Tag d, int count, Tag[]? more)
    {
        (_a, _b, _c, _d, _count, _more) = (a, b, c, d, count, more);
    }

    public static TagKey From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length > Inline)
        {
            var all = new Tag[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                all[i] = Tag.From(tags[i]);
            }

            Array.Sort(all, static (x, y) => string.CompareOrdinal(x.Name, y.Name));
            return new TagKey(default, default, default, default, all.Length, all);
        }

        // An insertion sort by name in place: at most four tags, no allocation.
        var inline = default(InlineTags);
        Span<Tag> sorted = inline;
        for (var i = 0; i < tags.Length; i++)
        {
            var tag = Tag.From(tags[i]);
            var at = i;
            for (; at > 0 && string.CompareOrdinal(sorted[at - 1].Name, tag.Name) > 0; at--)
            {
                sorted[at] = sorted[at - 1];
            }

            sorted[at] = tag;
        }

        return new TagKey(sorted[0], sorted[1], sorted[2], sorted[3], tags.Length, null);
    }

    public bool Equals(TagKey other)
    {
        if (_count != other._count)
        {
            return false;
        }

        if (_more is not null)
        {
            return other._more is not null && _more.AsSpan().SequenceEqual(other._more);
        }

        return _a.Equals(other._a) && _b.Equals(other._b) && _c.Equals(other._c) && _d.Equals(other._d);
    }

    public override bool Equals(object? obj) => obj is TagKey other && Equals(other);

    public override int GetHashCode()
    {
        if (_more is null)
        {
            return HashCode.Combine(_count, _a, _b, _c, _d);
        }

        var hash = default(HashCode);
        foreach (var tag in _more)
        {
            hash.Add(tag);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => string.Join(',', Tags().Select(tag => $"{tag.Name}={tag.Value}"));

    /// <summary>The tags as label names and values.</summary>
    public Dictionary<string, string> Labels() => Tags().ToDictionary(tag => tag.Name, tag => tag.Value, StringComparer.Ordinal);

    private IEnumerable<Tag> Tags() => _more ?? new[] { _a, _b, _c, _d }.Take(_count);

    private readonly record struct Tag(string Name, string Value)
    {
        public static Tag From(KeyValuePair<string, object?> tag) =>
            new(tag.Key, tag.Value as string ?? Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty);
    }

    /// <summary>Room to sort the inline tags on the stack.</summary>
    [InlineArray(Inline)]
    private struct InlineTags
    {
        private Tag _element;
    }
}
