namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// Creates or migrates the PostgreSQL schema at the very start of the silo's lifecycle, before
/// membership, grain storage and reminders read their queries from <c>OrleansQuery</c>, so that an
/// empty database needs no manual step.
/// </summary>
internal sealed class PostgreSqlSchemaStartup(IEnumerable<PostgreSqlSchemaTarget> targets) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgreSqlSchemaStartup), ServiceLifecycleStage.First, EnsureAsync);

    private async Task EnsureAsync(CancellationToken cancellationToken)
    {
        foreach (var group in targets.GroupBy(target => target.ConnectionString, StringComparer.Ordinal))
        {
            var parts = group.Aggregate(default(PostgreSqlSchemaParts), (all, target) => all | target.Parts);
            await PostgreSqlSchema.EnsureAsync(group.Key, parts, cancellationToken);
        }
    }
}
