using Npgsql;

namespace OrleansFabric.Hosting.Persistence;

/// <summary>
/// Creates and migrates, idempotently, the PostgreSQL tables, functions and <c>OrleansQuery</c> rows that
/// Orleans' ADO.NET clustering, grain-storage and reminder providers (invariant <c>Npgsql</c>) read at run time.
/// </summary>
/// <remarks>
/// Objects are created unqualified, so they land in the first schema of the connection's <c>search_path</c>,
/// which is also where the providers' unqualified queries look for them. The table <c>OrleansQuery</c> is
/// created unquoted (<c>orleansquery</c>) because the providers query it unquoted.
/// </remarks>
public static class PostgreSqlSchema
{
    /// <summary>
    /// The schema version this build installs. A database already at a higher version is left alone, so that a silo
    /// of an older release starting during a rolling upgrade does not downgrade the query texts a newer silo wrote.
    /// </summary>
    public const int Version = 1;

    // The key must stay the same across releases, or an old and a new silo could migrate at the same time.
    private const string AcquireLockSql = "SELECT pg_advisory_xact_lock(5723164120589372551)";

    // The lock holder only runs a few idempotent statements; the bound keeps a stuck peer from hanging startup forever.
    private const int LockTimeoutSeconds = 120;

    private const string SharedDdl = """
        CREATE TABLE IF NOT EXISTS orleansquery (
            querykey varchar(64) NOT NULL PRIMARY KEY,
            querytext text NOT NULL
        );
        CREATE TABLE IF NOT EXISTS orleans_fabric_schema (
            part text NOT NULL PRIMARY KEY,
            version integer NOT NULL,
            updated_on timestamptz NOT NULL DEFAULT now()
        );
        """;

    private const string ReadVersionsSql = "SELECT part, version FROM orleans_fabric_schema";

    // Rewriting an identical text would only churn the table, hence the WHERE.
    private const string UpsertQuerySql = """
        INSERT INTO orleansquery (querykey, querytext) VALUES ($1, $2)
        ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext
        WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext
        """;

    private const string RecordVersionSql = """
        INSERT INTO orleans_fabric_schema (part, version) VALUES ($1, $2)
        ON CONFLICT (part) DO UPDATE SET version = EXCLUDED.version, updated_on = now()
        """;

    // The membership row keeps an FK with cascade so that deleting a deployment's version row removes its silos in one statement.
    private const string ClusteringDdl = """
        CREATE TABLE IF NOT EXISTS orleans_membership_version (
            deployment_id text NOT NULL PRIMARY KEY,
            version integer NOT NULL DEFAULT 0,
            updated_on timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS orleans_membership (
            deployment_id text NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
            address text NOT NULL,
            port integer NOT NULL,
            generation integer NOT NULL,
            silo_name text NOT NULL,
            host_name text NOT NULL,
            status integer NOT NULL,
            proxy_port integer NOT NULL,
            suspect_times text NULL,
            start_time timestamptz NOT NULL,
            i_am_alive_time timestamptz NOT NULL,
            PRIMARY KEY (deployment_id, address, port, generation)
        );
        """;

    // The grain identity (service, type, both key halves, nullable extension) can exceed a btree entry, so the primary key
    // is a SHA-256 over an unambiguous, length-prefixed encoding of it. The body must never change, since stored keys were
    // computed with it (a new encoding needs a new function name and a data migration); so it is created only when missing,
    // which also spares running silos the plan invalidation a CREATE OR REPLACE would cause. IMMUTABLE holds because a
    // database's encoding, the only input convert_to depends on besides its arguments, is fixed for its lifetime.
    private const string PersistenceDdl = """
        DO $do$
        BEGIN
            IF to_regprocedure('orleans_fabric_grain_key_v1(text, text, bigint, bigint, text)') IS NULL THEN
                CREATE FUNCTION orleans_fabric_grain_key_v1(service_id text, grain_type text, n0 bigint, n1 bigint, extension text)
                RETURNS bytea
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                AS $fn$
                    SELECT sha256(convert_to(
                        length(service_id)::text || ':' || service_id
                        || length(grain_type)::text || ':' || grain_type
                        || n0::text || ':' || n1::text || ':'
                        || CASE WHEN extension IS NULL THEN '~' ELSE length(extension)::text || ':' || extension END,
                        'UTF8'))
                $fn$;
            END IF;
        END
        $do$;
        CREATE TABLE IF NOT EXISTS orleans_grain_state (
            grain_key bytea NOT NULL PRIMARY KEY,
            service_id text NOT NULL,
            grain_type text NOT NULL,
            grain_id_n0 bigint NOT NULL,
            grain_id_n1 bigint NOT NULL,
            grain_id_extension text NULL,
            grain_type_hash integer NOT NULL,
            grain_id_hash integer NOT NULL,
            payload bytea NULL,
            version integer NOT NULL,
            modified_on timestamptz NOT NULL DEFAULT now()
        );
        """;

    // The fabric's journaled grain storage: per state a version and a snapshot, and the entries appended after it.
    private const string JournalDdl = """
        CREATE TABLE IF NOT EXISTS fabric_journal (
            key text NOT NULL PRIMARY KEY,
            version bigint NOT NULL,
            snapshot bytea NULL
        );
        CREATE TABLE IF NOT EXISTS fabric_journal_entry (
            key text NOT NULL,
            seq bigint NOT NULL,
            entry bytea NOT NULL,
            PRIMARY KEY (key, seq)
        );
        """;

    // CREATE INDEX IF NOT EXISTS takes its SHARE lock on the table before it notices the index exists, which would stall
    // running silos' reminder writes until this transaction commits; looking the index up first avoids that.
    private const string RemindersDdl = """
        CREATE TABLE IF NOT EXISTS orleans_reminder (
            service_id text NOT NULL,
            grain_id text NOT NULL,
            reminder_name text NOT NULL,
            grain_hash integer NOT NULL,
            start_time timestamptz NOT NULL,
            period bigint NOT NULL,
            version integer NOT NULL,
            PRIMARY KEY (service_id, grain_id, reminder_name)
        );
        DO $do$
        BEGIN
            IF to_regclass('orleans_reminder_ring_idx') IS NULL THEN
                CREATE INDEX orleans_reminder_ring_idx ON orleans_reminder (service_id, grain_hash);
            END IF;
        END
        $do$;
        """;

    // The providers read result columns by these exact names (Npgsql also matches case-insensitively, but quoting keeps it exact).
    private const string MemberColumns = """
        v.version AS "Version",
        m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
        m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
        m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
        """;

    private const string SiloKey = "m.deployment_id = @DeploymentId AND m.address = @Address AND m.port = @Port AND m.generation = @Generation";

    private const string GrainKey = "orleans_fabric_grain_key_v1(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString)";

    // Versions are Int32 ETags in the providers; wrapping keeps a very hot grain writable instead of overflowing.
    private const string NextGrainVersion = "CASE WHEN s.version = 2147483647 THEN 1 ELSE s.version + 1 END";

    private const string ReminderColumns = """
        grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period AS "Period", version AS "Version"
        """;

    private static readonly KeyValuePair<string, string>[] s_clusteringQueries =
    [
        new("InsertMembershipVersionKey", """
            WITH inserted AS (
                INSERT INTO orleans_membership_version (deployment_id) VALUES (@DeploymentId)
                ON CONFLICT (deployment_id) DO NOTHING
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted) AS "Inserted"
            """),

        // Both reads must always yield the version row (the provider takes the table version from row 0), hence the LEFT JOIN.
        new("MembershipReadAllKey", $"""
            SELECT {MemberColumns}
            FROM orleans_membership_version AS v
            LEFT JOIN orleans_membership AS m ON m.deployment_id = v.deployment_id
            WHERE v.deployment_id = @DeploymentId
            """),
        new("MembershipReadRowKey", $"""
            SELECT {MemberColumns}
            FROM orleans_membership_version AS v
            LEFT JOIN orleans_membership AS m ON {SiloKey}
            WHERE v.deployment_id = @DeploymentId
            """),

        // The version row is locked first, so concurrent writers serialise on it and the loser fails the version check;
        // the silo-row test sits in the same UPDATE so a failed insert never bumps the version.
        new("InsertMembershipKey", $"""
            WITH bumped AS (
                UPDATE orleans_membership_version AS v
                SET version = v.version + 1, updated_on = now()
                WHERE v.deployment_id = @DeploymentId AND v.version = @Version
                    AND NOT EXISTS (SELECT 1 FROM orleans_membership AS m WHERE {SiloKey})
                RETURNING v.deployment_id),
            inserted AS (
                INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
                SELECT b.deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
                FROM bumped AS b
                ON CONFLICT DO NOTHING
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted) AS "Succeeded"
            """),
        new("UpdateMembershipKey", $"""
            WITH bumped AS (
                UPDATE orleans_membership_version AS v
                SET version = v.version + 1, updated_on = now()
                WHERE v.deployment_id = @DeploymentId AND v.version = @Version
                    AND EXISTS (SELECT 1 FROM orleans_membership AS m WHERE {SiloKey})
                RETURNING v.deployment_id),
            updated AS (
                UPDATE orleans_membership AS m
                SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
                FROM bumped AS b
                WHERE m.deployment_id = b.deployment_id AND {SiloKey}
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM updated) AS "Succeeded"
            """),

        // Liveness heartbeats are deliberately outside the versioned protocol: they must not invalidate other writers' ETags.
        new("UpdateIAmAlivetimeKey", $"""
            UPDATE orleans_membership AS m
            SET i_am_alive_time = @IAmAliveTime
            WHERE {SiloKey}
            """),
        new("GatewaysQueryKey", """
            SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
            FROM orleans_membership
            WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
            """),
        new("DeleteMembershipTableEntriesKey", """
            DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId
            """),

        // 3 is SiloStatus.Active: only silos that are no longer active and have been silent long enough are purged.
        // Providers since 10.4 use the optional per-row query below instead when it is installed; this one stays required.
        new("CleanupDefunctSiloEntriesKey", """
            DELETE FROM orleans_membership
            WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3
            """),

        // Optional (10.4+): the provider has read the row, judged it defunct (Dead, old, no recent suspicion votes) and
        // passes back what it read, so the row goes only if it is still Dead and unchanged. A null and an empty vote list
        // format differently on the way back, hence the COALESCE.
        new("CleanupDefunctSiloEntryKey", $"""
            DELETE FROM orleans_membership AS m
            WHERE {SiloKey} AND m.status = 6
                AND m.start_time = @StartTime AND m.i_am_alive_time = @IAmAliveTime
                AND COALESCE(m.suspect_times, '') = COALESCE(@SuspectTimes, '')
            """),
    ];

    private static readonly KeyValuePair<string, string>[] s_persistenceQueries =
    [
        new("ReadFromStorageKey", $"""
            SELECT s.payload AS "PayloadBinary", s.version AS "Version"
            FROM orleans_grain_state AS s
            WHERE s.grain_key = {GrainKey}
            """),

        // A null ETag means "expect no row": the insert yields version 1, or nothing on conflict (which the provider reports
        // as InconsistentStateException). A non-null ETag must match the stored version. Clearing is a write of a null payload.
        new("WriteToStorageKey", GrainStateWrite("@PayloadBinary")),
        new("ClearStorageKey", GrainStateWrite("NULL")),

        // The provider expects a value different from the ETag it sent, so the deleted version + 1 is returned.
        new("DeleteStorageKey", $"""
            WITH deleted AS (
                DELETE FROM orleans_grain_state AS s
                WHERE s.grain_key = {GrainKey} AND s.version = @GrainStateVersion
                RETURNING s.version)
            SELECT {NextGrainVersion} AS "NewGrainStateVersion" FROM deleted AS s
            """),
    ];

    // The providers pass GrainHash/BeginHash/EndHash as the uint hash cast to int; comparing in that signed space is the
    // same ring rotated by 2^31, which is why Rows1 (begin < end) is a plain interval and Rows2 the wrapped one.
    private static readonly KeyValuePair<string, string>[] s_reminderQueries =
    [
        new("ReadReminderRowsKey", $"""
            SELECT {ReminderColumns}
            FROM orleans_reminder
            WHERE service_id = @ServiceId AND grain_id = @GrainId
            """),
        new("ReadReminderRowKey", $"""
            SELECT {ReminderColumns}
            FROM orleans_reminder
            WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
            """),
        new("ReadRangeRows1Key", $"""
            SELECT {ReminderColumns}
            FROM orleans_reminder
            WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
            """),
        new("ReadRangeRows2Key", $"""
            SELECT {ReminderColumns}
            FROM orleans_reminder
            WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
            """),

        // Period arrives as int or bigint depending on its size; both widen into the bigint column.
        new("UpsertReminderRowKey", """
            INSERT INTO orleans_reminder AS r (service_id, grain_id, reminder_name, grain_hash, start_time, period, version)
            VALUES (@ServiceId, @GrainId, @ReminderName, @GrainHash, @StartTime, @Period, 0)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
            SET grain_hash = EXCLUDED.grain_hash, start_time = EXCLUDED.start_time, period = EXCLUDED.period,
                version = CASE WHEN r.version = 2147483647 THEN 0 ELSE r.version + 1 END
            RETURNING r.version AS "Version"
            """),
        new("DeleteReminderRowKey", """
            WITH deleted AS (
                DELETE FROM orleans_reminder
                WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM deleted) AS "Deleted"
            """),
        new("DeleteReminderRowsKey", """
            DELETE FROM orleans_reminder WHERE service_id = @ServiceId
            """),
    ];

    private static readonly (PostgreSqlSchemaParts Part, string Ddl, KeyValuePair<string, string>[] Queries)[] s_parts =
    [
        (PostgreSqlSchemaParts.Clustering, ClusteringDdl, s_clusteringQueries),
        (PostgreSqlSchemaParts.Persistence, PersistenceDdl, s_persistenceQueries),
        (PostgreSqlSchemaParts.Reminders, RemindersDdl, s_reminderQueries),
        (PostgreSqlSchemaParts.Journal, JournalDdl, []),
    ];

    /// <summary>
    /// Creates whatever of the requested <paramref name="parts"/> is missing and (re)writes their <c>OrleansQuery</c>
    /// rows, in one transaction under a PostgreSQL advisory lock, so that any number of silos may call it at once.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string whose role may create tables and functions.</param>
    /// <param name="parts">The providers whose schema is needed.</param>
    /// <param name="cancellationToken">Cancels the wait for the lock and the statements; the transaction then rolls back.</param>
    /// <returns>A task that completes once the schema is committed.</returns>
    public static async Task EnsureAsync(string connectionString, PostgreSqlSchemaParts parts, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if ((parts & ~PostgreSqlSchemaParts.All) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(parts), parts, "Unknown PostgreSQL schema part.");
        }

        if (parts == PostgreSqlSchemaParts.None)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await ExecuteAsync(connection, transaction, AcquireLockSql, LockTimeoutSeconds, cancellationToken);
        await ExecuteAsync(connection, transaction, SharedDdl, timeoutSeconds: null, cancellationToken);
        var installed = await ReadInstalledVersionsAsync(connection, transaction, cancellationToken);

        foreach (var (part, ddl, queries) in s_parts)
        {
            if ((parts & part) == 0
                || (installed.TryGetValue(part.ToString(), out var installedVersion) && installedVersion > Version))
            {
                continue;
            }

            await ExecuteAsync(connection, transaction, ddl, timeoutSeconds: null, cancellationToken);
            await UpsertQueriesAsync(connection, transaction, queries, cancellationToken);
            await RecordVersionAsync(connection, transaction, part.ToString(), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static string GrainStateWrite(string payload) => $"""
        WITH updated AS (
            UPDATE orleans_grain_state AS s
            SET payload = {payload}, version = {NextGrainVersion},
                grain_type_hash = @GrainTypeHash, grain_id_hash = @GrainIdHash, modified_on = now()
            WHERE s.grain_key = {GrainKey} AND s.version = @GrainStateVersion
            RETURNING s.version),
        inserted AS (
            INSERT INTO orleans_grain_state (grain_key, service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension,
                grain_type_hash, grain_id_hash, payload, version)
            SELECT {GrainKey}, @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                @GrainTypeHash, @GrainIdHash, {payload}, 1
            WHERE @GrainStateVersion IS NULL
            ON CONFLICT (grain_key) DO NOTHING
            RETURNING version)
        SELECT version AS "NewGrainStateVersion" FROM updated
        UNION ALL
        SELECT version FROM inserted
        """;

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, int? timeoutSeconds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (timeoutSeconds is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Dictionary<string, int>> ReadInstalledVersionsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var versions = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(ReadVersionsSql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions[reader.GetString(0)] = reader.GetInt32(1);
        }

        return versions;
    }

    private static async Task UpsertQueriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, KeyValuePair<string, string>[] queries, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (key, text) in queries)
        {
            var command = new NpgsqlBatchCommand(UpsertQuerySql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task RecordVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string part, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(RecordVersionSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = part });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Version });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
