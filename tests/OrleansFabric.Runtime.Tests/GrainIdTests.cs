namespace OrleansFabric.Runtime.Tests;

public sealed class GrainIdTests
{
    [Theory]
    [InlineData("counter", "a", 3584271587724788799UL, 63)]
    [InlineData("essay-batch", "b1", 3591188421398572127UL, 95)]
    [InlineData("session", "t1:support:+46700000001:whatsapp", 30389599833429097UL, 105)]
    [InlineData("counter", "é", 7229656361788235716UL, 196)]
    public void Partition_is_FNV_1a_64_of_type_slash_key_in_UTF8(string type, string key, ulong hash, int partition)
    {
        var id = new GrainId(new GrainType(type), key);

        Assert.Equal(hash, id.StableHash());
        Assert.Equal(partition, id.Partition(256));
    }

    [Fact]
    public void Keys_longer_than_the_stack_buffer_hash_the_same_way()
    {
        var id = new GrainId(new GrainType("counter"), new string('k', 300));

        Assert.Equal(5501057950850825432UL, id.StableHash());
    }
}
