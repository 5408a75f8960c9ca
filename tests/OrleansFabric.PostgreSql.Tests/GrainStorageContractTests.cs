using System.Text;
using OrleansFabric.Runtime.Persistence;

namespace OrleansFabric.PostgreSql.Tests;

/// <summary>The ETag semantics every grain storage provider has, run against both providers.</summary>
public abstract class GrainStorageContractTests
{
    private static readonly byte[] s_payload = Encoding.UTF8.GetBytes("{\"v\":1}");
    private readonly GrainId _grain = new(new GrainType("counter"), "contract-" + Guid.NewGuid().ToString("N"));

    protected abstract IGrainStorage Storage { get; }

    [Fact]
    public async Task A_missing_record_reads_as_null()
    {
        Assert.Null(await Storage.ReadAsync(_grain, "s", default));
    }

    [Fact]
    public async Task Insert_succeeds_only_when_no_record_exists()
    {
        var etag = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default));

        Assert.Equal(etag, conflict.StoredETag);
        Assert.Equal(etag, (await Storage.ReadAsync(_grain, "s", default))!.ETag);
    }

    [Fact]
    public async Task Update_succeeds_only_with_the_stored_etag_and_changes_it()
    {
        var first = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);
        var second = await Storage.WriteAsync(_grain, "s", Encoding.UTF8.GetBytes("{\"v\":2}"), first, WriteFence.None, default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(_grain, "s", s_payload, first, WriteFence.None, default));

        Assert.NotEqual(first, second);
        var stored = await Storage.ReadAsync(_grain, "s", default);
        Assert.Equal(second, stored!.ETag);
        Assert.Contains("\"v\": 2", Encoding.UTF8.GetString(stored.Payload.Span).Replace("\"v\":2", "\"v\": 2", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_succeeds_only_with_the_stored_etag_and_a_cleared_etag_never_comes_back()
    {
        var etag = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearAsync(_grain, "s", "999999", WriteFence.None, default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearAsync(_grain, "s", null, WriteFence.None, default));
        await Storage.ClearAsync(_grain, "s", etag, WriteFence.None, default);

        Assert.Null(await Storage.ReadAsync(_grain, "s", default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(_grain, "s", s_payload, etag, WriteFence.None, default));
        var recreated = await Storage.WriteAsync(_grain, "s", s_payload, null, WriteFence.None, default);
        Assert.NotEqual(etag, recreated);
    }

    [Fact]
    public async Task Clearing_a_missing_record_without_an_etag_is_fine()
    {
        await Storage.ClearAsync(_grain, "s", null, WriteFence.None, default);

        Assert.Null(await Storage.ReadAsync(_grain, "s", default));
    }
}

public sealed class InMemoryGrainStorageContractTests : GrainStorageContractTests
{
    protected override IGrainStorage Storage { get; } = new InMemoryGrainStorage();
}

public sealed class PostgreSqlGrainStorageContractTests(Database database) : GrainStorageContractTests, IClassFixture<Database>
{
    protected override IGrainStorage Storage { get; } = new PostgreSqlGrainStorage(database.DataSource, "silo-a");
}
