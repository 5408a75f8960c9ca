using Npgsql;

namespace OrleansFabric.PostgreSql;

/// <summary>How silos connect to PostgreSQL.</summary>
public static class PostgreSqlFabric
{
    /// <summary>
    /// A data source tuned for the runtime's short, repeated statements: automatic prepared
    /// statements (the same few statements run for every write), TCP keepalive so a dead
    /// server is noticed, and bounded connect and command timeouts.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        settings.ApplicationName ??= "orleansfabric";
        settings.MaxAutoPrepare = Math.Max(settings.MaxAutoPrepare, 32);
        settings.AutoPrepareMinUsages = 2;
        settings.NoResetOnClose = true;
        settings.KeepAlive = settings.KeepAlive == 0 ? 10 : settings.KeepAlive;
        settings.Timeout = Math.Min(settings.Timeout, 5);
        settings.CommandTimeout = Math.Min(settings.CommandTimeout, 15);
        return builder.Build();
    }
}
