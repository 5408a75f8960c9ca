using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace OrleansFabric.TestKit;

/// <summary>
/// A throwaway PostgreSQL for tests and benchmarks, no Docker: the Debian binaries under
/// /usr/lib/postgresql/*/bin, a fresh data directory in /tmp, a free port on 127.0.0.1, run as
/// the <c>postgres</c> user when the tests run as root (PostgreSQL refuses root). Set
/// <c>FABRIC_TEST_POSTGRES</c> to a connection string to use an existing server instead.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string DirectoryPrefix = "fabric-pg-";

    private static readonly Lazy<Task<PostgresServer>> s_shared = new(StartSharedAsync);
    private static int s_leftoversRemoved;
    private readonly string? _directory;
    private readonly string? _binaries;
    private bool _disposed;

    private PostgresServer(string connectionString, string? directory, string? binaries, int port)
    {
        ConnectionString = connectionString;
        _directory = directory;
        _binaries = binaries;
        Port = port;
    }

    /// <summary>A connection string to the <c>postgres</c> database as the superuser.</summary>
    public string ConnectionString { get; }

    public int Port { get; }

    /// <summary>One server per test process, stopped when the process exits.</summary>
    public static Task<PostgresServer> SharedAsync() => s_shared.Value;

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    /// <summary>Starts a dedicated server (for tests that stop and restart it).</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("FABRIC_TEST_POSTGRES");
        if (!string.IsNullOrEmpty(external))
        {
            return new PostgresServer(external, null, null, new NpgsqlConnectionStringBuilder(external).Port);
        }

        var binaries = Directory.GetDirectories("/usr/lib/postgresql")
            .Select(path => Path.Combine(path, "bin"))
            .Where(path => File.Exists(Path.Combine(path, "initdb")))
            .OrderByDescending(path => int.TryParse(Path.GetFileName(Path.GetDirectoryName(path)), out var version) ? version : 0)
            .FirstOrDefault() ?? throw new InvalidOperationException("No PostgreSQL server binaries under /usr/lib/postgresql/*/bin: run ./tests/run.sh, which installs them.");
        if (Interlocked.Exchange(ref s_leftoversRemoved, 1) == 0)
        {
            RemoveLeftovers();
        }

        var directory = Path.Combine(Path.GetTempPath(), $"{DirectoryPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);
        Directory.CreateDirectory(directory);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", directory]);
        }

        var port = FreePort.Next();
        var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=200", directory, binaries, port);
        await server.RunPostgresAsync("initdb", ["-D", server.DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions"]);
        await server.StartAgainAsync();
        return server;
    }

    private string DataDirectory => Path.Combine(_directory!, "data");

    /// <summary>Creates a fresh database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "fabric")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 17, 60)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"create database \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Stops the server, keeping its data (fast shutdown: open connections are cut).</summary>
    public Task StopAsync() =>
        _binaries is null ? throw new InvalidOperationException("An external server cannot be stopped.") : RunPostgresAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "stop"]);

    /// <summary>Starts the server again on the same port and data.</summary>
    public Task StartAgainAsync() =>
        RunPostgresAsync("pg_ctl", [
            "-D", DataDirectory, "-l", Path.Combine(_directory!, "server.log"), "-w", "-t", "60", "-o",
            string.Create(CultureInfo.InvariantCulture, $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=128MB"),
            "start"]);

    public async ValueTask DisposeAsync()
    {
        if (_disposed || _binaries is null)
        {
            return;
        }

        _disposed = true;
        try
        {
            await RunPostgresAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(_directory!, recursive: true);
    }

    /// <summary>
    /// Deletes the directories of servers whose process is gone and which are stopped: a test
    /// host may be ended before the shared server's exit handler has deleted its directory (it
    /// stops the server first), and a killed benchmark never gets there.
    /// </summary>
    private static void RemoveLeftovers()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            var name = Path.GetFileName(directory);
            var dash = name.IndexOf('-', DirectoryPrefix.Length);
            if (dash < 0 || !int.TryParse(name.AsSpan(DirectoryPrefix.Length, dash - DirectoryPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
                || owner == Environment.ProcessId || Directory.Exists($"/proc/{owner}") || File.Exists(Path.Combine(directory, "data", "postmaster.pid")))
            {
                continue;
            }

            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Another process is deleting it too, or it is not ours to delete: leave it.
            }
        }
    }

    private Task RunPostgresAsync(string tool, string[] arguments)
    {
        var path = Path.Combine(_binaries!, tool);
        return Environment.IsPrivilegedProcess
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments])
            : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await errors}{await output}");
        }
    }
}
