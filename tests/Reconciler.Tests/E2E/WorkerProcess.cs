using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// The built product (<c>src/Reconciler/bin/CONFIG/net10.0/gitops-secrets.dll</c>) running as its own OS
/// process, so it can be killed with SIGKILL like a crashed pod. Its stdout and stderr are collected;
/// disposing kills it (and its children) if it still runs, so a failing test leaks no process.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(string identity, Process process)
    {
        Identity = identity;
        _process = process;
    }

    /// <summary>The POD_NAME given to the worker; its lease identity is this plus a random suffix.</summary>
    public string Identity { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process printed so far (stdout and stderr interleaved).</summary>
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

    /// <summary>The product's entry assembly in the same build configuration as this test assembly.</summary>
    public static string ProductAssembly { get; } = LocateProduct();

    public static WorkerProcess Start(string identity, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ProductAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["POD_NAME"] = identity;
        start.Environment.Remove("KUBECONFIG");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var worker = new WorkerProcess(identity, process);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL, as the kubelet does after the grace period or the kernel's OOM killer: no clean stop, no lease release.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as the kubelet stops a pod: the worker shuts down cleanly; returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started: nothing to kill.
        }

        _process.Dispose();
    }

    /// <summary>The address the worker bound (it listens on port 0 and says where), read from its own log line.</summary>
    public async Task<Uri> UrlAsync(TimeSpan timeout)
    {
        Match? listening = null;
        await Poll.UntilAsync(() => (listening = WatchedLog.WorkerListening().Match(Output)).Success, timeout, () => $"{Identity} says where it listens\n{this}");
        return new Uri(listening!.Groups["url"].Value);
    }

    public override string ToString() => $"{Identity} (pid {_process.Id}):\n{Output}";

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

    private static string LocateProduct()
    {
        // Tests run from tests/Reconciler.Tests/bin/CONFIG/net10.0/; the product is built next to it.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        var framework = testBin.Name;
        var root = testBin.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var product = Path.Combine(root, "src", "Reconciler", "bin", configuration, framework, "gitops-secrets.dll");
        return File.Exists(product)
            ? product
            : throw new InvalidOperationException($"the product is not built at {product}: build the solution in {configuration} first");
    }
}
