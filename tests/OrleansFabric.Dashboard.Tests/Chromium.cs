using System.Diagnostics;

namespace OrleansFabric.Dashboard.Tests;

/// <summary>
/// A headless Chromium process with a throw-away profile, reached over the DevTools protocol
/// on a port it picks itself (read from its "DevTools listening on ws://..." line). Disposing
/// kills it with its child processes and deletes the profile.
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    private const string ListeningPrefix = "DevTools listening on ";
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly ProcessLog _log;

    private Chromium(Process process, DirectoryInfo profile, ProcessLog log, DevToolsConnection connection)
    {
        _process = process;
        _profile = profile;
        _log = log;
        DevTools = connection;
    }

    public DevToolsConnection DevTools { get; }

    /// <summary>What the browser wrote to stderr, for failure messages.</summary>
    public string Log => _log.ToString();

    public static async Task<Chromium> StartAsync()
    {
        var executable = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Chromium is not installed: apt-get install chromium (tests/run.sh installs it).");
        var profile = Directory.CreateTempSubdirectory("fabric-chromium-");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio", "--window-size=1280,900",
            $"--user-data-dir={profile.FullName}", "--remote-debugging-port=0", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var log = new ProcessLog();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            log.Add(line.Data);
            if (line.Data.StartsWith(ListeningPrefix, StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(line.Data[ListeningPrefix.Length..].Trim()));
            }
        };
        process.OutputDataReceived += (_, line) => log.Add(line.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"Chromium exited before listening:{Environment.NewLine}{log}"));
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(s_startTimeout);
            return new Chromium(process, profile, log, await DevToolsConnection.ConnectAsync(address));
        }
        catch
        {
            await StopAsync(process, profile);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DevTools.DisposeAsync();
        await StopAsync(_process, _profile);
    }

    private static async Task StopAsync(Process process, DirectoryInfo profile)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            process.Dispose();
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A crash-reporter file still open; the temp directory is cleaned by the system.
            }
        }
    }
}
