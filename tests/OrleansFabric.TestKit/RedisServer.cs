using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace OrleansFabric.TestKit;

/// <summary>
/// A throwaway Redis for tests and benchmarks, no Docker: Debian's <c>redis-server</c> on a free
/// port of 127.0.0.1, without persistence, in a fresh directory under /tmp. Set
/// <c>FABRIC_TEST_REDIS</c> to a StackExchange.Redis configuration string to use an existing server.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly Lazy<Task<RedisServer>> s_shared = new(StartSharedAsync);
    private readonly Process? _process;
    private readonly string? _directory;

    private RedisServer(string configuration, Process? process, string? directory)
    {
        Configuration = configuration;
        _process = process;
        _directory = directory;
    }

    /// <summary>A StackExchange.Redis configuration string for the server.</summary>
    public string Configuration { get; }

    /// <summary>One server per test process, stopped when the process exits.</summary>
    public static Task<RedisServer> SharedAsync() => s_shared.Value;

    /// <summary>Starts a dedicated server and waits until it accepts connections.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("FABRIC_TEST_REDIS");
        if (!string.IsNullOrEmpty(external))
        {
            return new RedisServer(external, null, null);
        }

        var executable = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("No redis-server: run ./tests/run.sh, which installs it.");
        var directory = Path.Combine(Path.GetTempPath(), $"fabric-redis-{Environment.ProcessId}-{Guid.NewGuid():N}"[..36]);
        Directory.CreateDirectory(directory);
        var port = FreePort.Next();
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--save", string.Empty, "--appendonly", "no", "--dir", directory, "--protected-mode", "yes",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer($"127.0.0.1:{port}", process, directory);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static async Task<RedisServer> StartSharedAsync()
    {
        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }
}
