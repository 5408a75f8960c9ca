using System.Diagnostics;
using Npgsql;

namespace OrleansFabric.Benchmarks;

/// <summary>
/// The design the ACF analysis replaces (section 1), as a benchmark-only comparator: every
/// message is its own workflow run that takes the session's distributed lock for the whole
/// turn (acquire_mutex → accumulate → run_agent → commit_respond). The Redis lock becomes a
/// PostgreSQL advisory lock with the same semantics: acquiring blocks up to the blocking
/// timeout (5 s) by retrying every 100 ms, as redis-py's blocking lock does, then fails with
/// "session busy"; a held lock expires after its timeout (30 s) even if the turn still runs.
/// Durations are multiplied by the run's time scale.
/// </summary>
internal sealed class MutexSessionBaseline(NpgsqlDataSource dataSource, double scale)
{
    private readonly TimeSpan _blockingTimeout = TimeSpan.FromSeconds(5 * scale);
    private readonly TimeSpan _lockTimeout = TimeSpan.FromSeconds(30 * scale);
    private readonly TimeSpan _retry = TimeSpan.FromMilliseconds(Math.Max(5, 100 * scale));

    public static async Task CreateSchemaAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS acf_sessions (session_key text PRIMARY KEY, state jsonb NOT NULL, turns int NOT NULL);
            CREATE TABLE IF NOT EXISTS acf_responses (session_key text NOT NULL, message_id text NOT NULL, response text NOT NULL, PRIMARY KEY (session_key, message_id));
            """);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Handles one message; answers when its turn committed, or busy when the lock could not be taken.</summary>
    public async Task<BaselineOutcome> HandleAsync(string sessionKey, string messageId, BrainModel brain)
    {
        // acquire_mutex: blocking up to the blocking timeout. The holder keeps its connection
        // (an advisory lock belongs to a session); a waiter holds one only while it asks.
        var waiting = Stopwatch.StartNew();
        NpgsqlConnection? holder = null;
        while (holder is null)
        {
            var attempt = await dataSource.OpenConnectionAsync();
            if (await TryLockAsync(attempt, sessionKey))
            {
                holder = attempt;
                break;
            }

            await attempt.DisposeAsync();
            if (waiting.Elapsed + _retry > _blockingTimeout)
            {
                return BaselineOutcome.SessionBusy;
            }

            await Task.Delay(_retry);
        }

        await using var connection = holder;

        var held = true;
        try
        {
            // accumulate: this run's LogicalTurn is its own message (one turn per message).
            // run_agent: the lock expires after its timeout whether or not the turn is done.
            var agent = Task.Delay(brain.NextTurn(sessionKey));
            if (await Task.WhenAny(agent, Task.Delay(_lockTimeout)) != agent)
            {
                await UnlockAsync(connection, sessionKey);
                held = false;
                await agent;
            }

            // commit_respond: state and response in one transaction.
            await using var commit = connection.CreateCommand();
            commit.CommandText = """
                WITH session AS (
                    INSERT INTO acf_sessions (session_key, state, turns) VALUES ($1, jsonb_build_object('last', $2::text), 1)
                    ON CONFLICT (session_key) DO UPDATE SET state = excluded.state, turns = acf_sessions.turns + 1)
                INSERT INTO acf_responses (session_key, message_id, response) VALUES ($1, $2, 'answer')
                """;
            commit.Parameters.Add(new NpgsqlParameter { Value = sessionKey });
            commit.Parameters.Add(new NpgsqlParameter { Value = messageId });
            await commit.ExecuteNonQueryAsync();
            return BaselineOutcome.Answered;
        }
        finally
        {
            if (held)
            {
                await UnlockAsync(connection, sessionKey);
            }
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, string sessionKey)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_try_advisory_lock(hashtextextended($1, 0))";
        command.Parameters.Add(new NpgsqlParameter { Value = sessionKey });
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static async Task UnlockAsync(NpgsqlConnection connection, string sessionKey)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_advisory_unlock(hashtextextended($1, 0))";
        command.Parameters.Add(new NpgsqlParameter { Value = sessionKey });
        await command.ExecuteScalarAsync();
    }
}
