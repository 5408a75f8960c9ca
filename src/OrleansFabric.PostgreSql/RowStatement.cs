using Npgsql;

namespace OrleansFabric.PostgreSql;

/// <summary>
/// A statement that changes many rows at once: the single-row changes queued for it in one batch
/// are sent as one command (their arguments as arrays), instead of a command each. PostgreSQL
/// plans, executes and locks once per command, and for the small writes of busy grains that
/// per-command work, not the rows, is most of the cost. Changes are grouped by instance: each
/// instance builds its own command.
/// </summary>
/// <typeparam name="TRow">The arguments of one row's change.</typeparam>
internal abstract class RowStatement<TRow>
{
    /// <summary>
    /// The command that makes every change of <paramref name="rows"/>. Its result has a row per
    /// change that took effect: the change's 1-based position in <paramref name="rows"/> (a
    /// bigint) and its value (a bigint). A change without a result row took no effect.
    /// </summary>
    public abstract NpgsqlBatchCommand Build(IReadOnlyList<TRow> rows);
}
