using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using OrleansFabric.TestKit;

namespace OrleansFabric.Benchmarks;

/// <summary>pgbench running a single-row jsonb upsert per transaction: what PostgreSQL itself sustains on this machine.</summary>
internal static partial class Pgbench
{
    /// <summary>Upserts/s of <paramref name="clients"/> pgbench clients over <paramref name="rows"/> rows for <paramref name="seconds"/>.</summary>
    public static async Task<double> RunAsync(PostgresServer server, string connectionString, int clients, int seconds, int rows)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            await using var create = dataSource.CreateCommand("create table bench_kv (k int primary key, v jsonb not null)");
            await create.ExecuteNonQueryAsync();
        }

        var script = Path.Combine(Path.GetTempPath(), $"upsert-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(script, $"\\set k random(1, {rows})\ninsert into bench_kv (k, v) values (:k, '{{\"last\":1,\"writes\":1}}') on conflict (k) do update set v = excluded.v;\n");
        try
        {
            var pgbench = Directory.GetDirectories("/usr/lib/postgresql").Select(path => Path.Combine(path, "bin", "pgbench")).FirstOrDefault(File.Exists) ?? "/usr/bin/pgbench";
            var start = new ProcessStartInfo(pgbench) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-n", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), "-f", script, "-h", "127.0.0.1", "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", database })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));
            await process.WaitForExitAsync(limit.Token);
            var match = TpsPattern().Match(await output);
            return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException($"pgbench failed: {await output}{await errors}");
        }
        finally
        {
            File.Delete(script);
        }
    }

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex TpsPattern();
}
