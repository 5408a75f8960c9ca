using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace OrleansFabric.TestKit;

/// <summary>
/// A silo running as a real process (<c>dotnet OrleansFabric.Silo.dll</c> or a test host),
/// which a test can stop with SIGTERM, kill with SIGKILL, and pause and resume with
/// SIGSTOP and SIGCONT. Its output is kept for failure messages.
/// </summary>
public sealed partial class SiloProcess : IAsyncDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, int httpPort)
    {
        _process = process;
        HttpPort = httpPort;
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The public HTTP port on 127.0.0.1.</summary>
    public int HttpPort { get; }

    /// <summary>The base address of the public API.</summary>
    public Uri Address => new($"http://127.0.0.1:{HttpPort}");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="assembly"/> with dotnet, listening on <paramref name="httpPort"/>.</summary>
    public static SiloProcess Start(string assembly, int httpPort, IReadOnlyDictionary<string, string>? environment = null, IEnumerable<string>? arguments = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments ?? ["--urls", $"http://127.0.0.1:{httpPort}"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new SiloProcess(Process.Start(start)!, httpPort);
    }

    /// <summary>Polls <c>/health/ready</c> (bounded) until the silo answers 200.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null, string path = "/health/ready")
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var limit = Stopwatch.StartNew();
        var wait = timeout ?? TimeSpan.FromSeconds(60);
        for (var attempt = 0; attempt < 10_000 && limit.Elapsed < wait; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The silo exited with code {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(path);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            // Polling another process over HTTP: there is no signal to wait on.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"The silo was not ready within {wait}:\n{Output}");
    }

    /// <summary>SIGTERM: a graceful shutdown.</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>SIGKILL: the process dies at once, with no chance to clean up.</summary>
    public void Kill() => Signal(SigKill);

    /// <summary>SIGSTOP: the process freezes (as in a long GC pause or a VM stall).</summary>
    public void Pause() => Signal(SigStop);

    /// <summary>SIGCONT: the process resumes.</summary>
    public void Resume() => Signal(SigCont);

    /// <summary>Waits for the process to exit; false if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Resume();
            Kill();
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private void Signal(int signal)
    {
        if (!_process.HasExited && NativeKill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);
}
