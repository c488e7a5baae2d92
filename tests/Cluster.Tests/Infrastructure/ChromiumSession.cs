using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NasNet.Cluster.Tests.Infrastructure;

/// <summary>One response the page received: its address, HTTP status, MIME type and bytes on the wire (headers included).</summary>
public sealed record NetworkResponse(string Url, int Status, string MimeType, long EncodedBytes);

/// <summary>
/// Debian's headless <c>chromium</c> driven over the DevTools protocol (a WebSocket to one page), for tests that must
/// read a live page more than once: navigate, evaluate script in the page, list every response with its size on the
/// wire, and take screenshots. Offline, a fresh profile, no cache; the browser and its children are killed on dispose.
/// Self-contained: bench/Web compiles this file too.
/// </summary>
public sealed class ChromiumSession : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _calls = new();
    private readonly ConcurrentDictionary<string, (string Url, int Status, string Mime)> _responses = new();
    private readonly ConcurrentQueue<NetworkResponse> _finished = new();
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _receive = Task.CompletedTask;
    private TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextId;

    private ChromiumSession(Process process, string dir)
    {
        _process = process;
        _dir = dir;
    }

    /// <summary>Every response received since the last <see cref="NavigateAsync"/>, in the order they finished.</summary>
    public IReadOnlyList<NetworkResponse> Responses => _finished.ToArray();

    /// <summary>Starts the browser with a <paramref name="width"/> x <paramref name="height"/> viewport on about:blank.</summary>
    public static async Task<ChromiumSession> StartAsync(int width, int height, TimeSpan timeout)
    {
        var executable = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "chromium")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("chromium is not on PATH: run 'apt-get install -y chromium'");
        var dir = Directory.CreateTempSubdirectory("nasnet-cdp-").FullName;
        var profile = Path.Combine(dir, "profile");
        var psi = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars", "--disable-extensions",
            $"--user-data-dir={profile}", $"--window-size={width},{height}", "--remote-debugging-port=0", "about:blank",
        })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var session = new ChromiumSession(process, dir);
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            var portFile = Path.Combine(profile, "DevToolsActivePort");
            while (!File.Exists(portFile) || (await File.ReadAllLinesAsync(portFile, cts.Token)).Length < 2)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"chromium exited with {process.ExitCode} before opening its DevTools port");
                }

                await Task.Delay(100, cts.Token);
            }

            var port = int.Parse((await File.ReadAllLinesAsync(portFile, cts.Token))[0], System.Globalization.CultureInfo.InvariantCulture);
            using var http = new HttpClient { Timeout = timeout };
            var targets = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list"), cts.Token))!.AsArray();
            var ws = targets.First(t => (string?)t!["type"] == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
            await session._socket.ConnectAsync(new Uri(ws), cts.Token);
            session._receive = Task.Run(session.ReceiveAsync);
            await session.CallAsync("Page.enable");
            await session.CallAsync("Network.enable");
            await session.CallAsync("Network.setCacheDisabled", new JsonObject { ["cacheDisabled"] = true });
            await session.CallAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> and waits for its load event; forgets the responses of the previous page.</summary>
    public async Task NavigateAsync(Uri url, TimeSpan timeout)
    {
        _finished.Clear();
        _responses.Clear();
        _loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = await CallAsync("Page.navigate", new JsonObject { ["url"] = url.AbsoluteUri });
        if (answer?["errorText"] is { } error)
        {
            throw new InvalidOperationException($"chromium could not open {url}: {error}");
        }

        await _loaded.Task.WaitAsync(timeout);
    }

    /// <summary>Evaluates <paramref name="expression"/> in the page (awaiting a promise) and returns its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var answer = await CallAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (answer?["exceptionDetails"] is { } e)
        {
            throw new InvalidOperationException($"script failed: {e["exception"]?["description"] ?? e["text"]}");
        }

        return answer?["result"]?["value"];
    }

    public async Task<T> EvaluateAsync<T>(string expression) => (await EvaluateAsync(expression))!.GetValue<T>();

    /// <summary>Waits until <paramref name="expression"/> is true in the page (polled every 100 ms).</summary>
    public async Task WaitForAsync(string expression, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonNode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await EvaluateAsync(expression);
            if (last is JsonValue v && v.TryGetValue<bool>(out var b) && b)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"timed out waiting for {what} ({expression}: {last?.ToJsonString() ?? "undefined"})");
    }

    /// <summary>
    /// A PNG of the page, <paramref name="width"/> wide and as tall as the document up to <paramref name="maxHeight"/>:
    /// the viewport is stretched to that height first (so lazily loaded images load) and its images waited for, then
    /// restored to <paramref name="width"/> x <paramref name="viewportHeight"/>.
    /// </summary>
    public async Task<byte[]> ScreenshotAsync(int width, int viewportHeight, int maxHeight)
    {
        var height = Math.Min(maxHeight, await EvaluateAsync<int>("Math.ceil(document.documentElement.scrollHeight)"));
        await CallAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        try
        {
            await WaitForAsync("[...document.images].every(i => i.complete)", TimeSpan.FromSeconds(30), "the page's images to load");
            var shot = await CallAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
            return Convert.FromBase64String(shot!["data"]!.GetValue<string>());
        }
        finally
        {
            await CallAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = viewportHeight, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        }
    }

    private async Task<JsonNode?> CallAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var call = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[id] = call;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _send.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        }
        finally
        {
            _send.Release();
        }

        return await call.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var r = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.ToArray())!;
                message.SetLength(0);
                Dispatch(node);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            foreach (var call in _calls.Values)
            {
                call.TrySetException(new InvalidOperationException("the DevTools connection closed"));
            }
        }
    }

    private void Dispatch(JsonNode node)
    {
        if (node["id"] is { } id && _calls.TryRemove(id.GetValue<int>(), out var call))
        {
            if (node["error"] is { } error)
            {
                call.TrySetException(new InvalidOperationException($"DevTools: {error["message"]}"));
            }
            else
            {
                call.TrySetResult(node["result"]);
            }

            return;
        }

        var p = node["params"];
        switch ((string?)node["method"])
        {
            case "Page.loadEventFired":
                _loaded.TrySetResult();
                break;
            case "Network.responseReceived":
                var response = p!["response"]!;
                _responses[(string)p["requestId"]!] = ((string)response["url"]!, response["status"]!.GetValue<int>(), (string?)response["mimeType"] ?? "");
                break;
            case "Network.loadingFinished":
                if (_responses.TryGetValue((string)p!["requestId"]!, out var r))
                {
                    _finished.Enqueue(new NetworkResponse(r.Url, r.Status, r.Mime, (long)p["encodedDataLength"]!.GetValue<double>()));
                }

                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            _socket.Abort();
            await _receive;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _socket.Dispose();
        _stop.Dispose();
        _send.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
