using System.Globalization;
using System.Text;

namespace OrleansFabric.Silo.Metrics;

/// <summary>
/// The label set of one series: tag names and values sorted by name, compared by value. Up to
/// three tags with string values (all of the runtime's instruments) are held inline, so
/// finding an existing series allocates nothing; more tags go to an array.
/// </summary>
internal readonly struct TagKey : IEquatable<TagKey>
{
    private const int Inline = 3;
    private readonly Tag _a;
    private readonly Tag _b;
    private readonly Tag _c;
    private readonly Tag[]? _more;
    private readonly int _count;

    private TagKey(Tag a, Tag b, Tag c, int count, Tag[]? more)
    {
        (_a, _b, _c, _count, _more) = (a, b, c, count, more);
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
            return new TagKey(default, default, default, all.Length, all);
        }

        Tag a = default, b = default, c = default;
        if (tags.Length > 0)
        {
            a = Tag.From(tags[0]);
        }

        if (tags.Length > 1)
        {
            b = Tag.From(tags[1]);
            if (string.CompareOrdinal(b.Name, a.Name) < 0)
            {
                (a, b) = (b, a);
            }
        }

        if (tags.Length > 2)
        {
            c = Tag.From(tags[2]);
            if (string.CompareOrdinal(c.Name, b.Name) < 0)
            {
                (b, c) = (c, b);
                if (string.CompareOrdinal(b.Name, a.Name) < 0)
                {
                    (a, b) = (b, a);
                }
            }
        }

        return new TagKey(a, b, c, tags.Length, null);
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

        return _a.Equals(other._a) && _b.Equals(other._b) && _c.Equals(other._c);
    }

    public override bool Equals(object? obj) => obj is TagKey other && Equals(other);

    public override int GetHashCode()
    {
        if (_more is null)
        {
            return HashCode.Combine(_count, _a, _b, _c);
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

    private IEnumerable<Tag> Tags() => _more ?? new[] { _a, _b, _c }.Take(_count);

    private readonly record struct Tag(string Name, string Value)
    {
        public static Tag From(KeyValuePair<string, object?> tag) =>
            new(tag.Key, tag.Value as string ?? Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty);
    }
}
