namespace OrleansFabric.Hosting.Persistence;

/// <summary>A database whose schema the silo creates or migrates before its providers start.</summary>
/// <param name="ConnectionString">The Npgsql connection string.</param>
/// <param name="Parts">What the silo keeps there.</param>
internal sealed record PostgreSqlSchemaTarget(string ConnectionString, PostgreSqlSchemaParts Parts);
