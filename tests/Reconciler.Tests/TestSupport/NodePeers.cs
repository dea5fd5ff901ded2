using System.Diagnostics;
using System.Text.Json;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// Runs the independent implementations in tests/peers with node: @linode/kubeseal-encrypt (a sealer)
/// and a node:crypto opener. The test build installs them with <c>npm ci</c> (NodePeers.targets) when npm is
/// on PATH; without Node.js the tests that need them fail with how to fix it, rather than skipping silently.
/// </summary>
public static class NodePeers
{
    public static string Directory { get; } = System.IO.Path.Combine(Vectors.Directory, "..", "peers");

    /// <summary>Seals values with @linode/kubeseal-encrypt (namespace-wide scope) to a public key PEM file.</summary>
    public static async Task<Dictionary<string, string>> LinodeSealAsync(string publicKeyPemFile, string @namespace, IReadOnlyDictionary<string, string> values)
    {
        var output = await RunAsync("linode-seal.mjs", [publicKeyPemFile, @namespace], JsonSerializer.Serialize(values));
        return JsonSerializer.Deserialize<Dictionary<string, string>>(output)!;
    }

    /// <summary>Opens values with node:crypto; null when any value does not open.</summary>
    public static async Task<Dictionary<string, byte[]>?> NodeUnsealAsync(string privateKeyPemFile, string label, IReadOnlyDictionary<string, string> values)
    {
        try
        {
            var output = await RunAsync("node-unseal.mjs", [privateKeyPemFile], JsonSerializer.Serialize(new { label, values }));
            return JsonSerializer.Deserialize<Dictionary<string, string>>(output)!.ToDictionary(p => p.Key, p => Convert.FromBase64String(p.Value));
        }
        catch (InvalidOperationException e) when (e.Message.Contains("exit code", StringComparison.Ordinal))
        {
            return null;
        }
    }

    private static Process StartNode(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run node ({e.Message}): the npm test peers need Node.js 20 or later on PATH", e);
        }
    }

    private static async Task<string> RunAsync(string script, string[] args, string stdin)
    {
        if (!System.IO.Directory.Exists(System.IO.Path.Combine(Directory, "node_modules")))
        {
            throw new InvalidOperationException($"the npm test peers are not installed in {System.IO.Path.GetFullPath(Directory)}: the test build runs 'npm ci' there when npm is on PATH; install Node.js 20 or later and build again");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = StartNode(start);
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0
            ? await stdout
            : throw new InvalidOperationException($"node {script} failed with exit code {process.ExitCode}: {await stderr}");
    }
}
