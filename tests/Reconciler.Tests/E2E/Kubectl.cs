using System.Diagnostics;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>What one kubectl run printed and returned.</summary>
public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"kubectl exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// The real kubectl, for the tests that act as a user would (<c>kubectl edit</c>, <c>kubectl patch</c>,
/// <c>kubectl describe</c>): the binary cluster.sh built (GITOPS_SECRETS_E2E_KUBECTL) or, on CI's kind
/// job, the kubectl on PATH.
/// </summary>
public static class Kubectl
{
    public const string Variable = "GITOPS_SECRETS_E2E_KUBECTL";

    public static string Binary =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given ? given
        : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "kubectl")).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"no kubectl: set {Variable} (tests/cluster/cluster.sh env prints it) or put kubectl on PATH");

    /// <summary>Runs kubectl against the kubeconfig with extra environment variables (KUBE_EDITOR for <c>edit</c>).</summary>
    public static async Task<KubectlResult> RunAsync(string kubeconfig, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments.Prepend(kubeconfig).Prepend("--kubeconfig"))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', arguments)} did not finish within a minute");
        }

        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }

    public static Task<KubectlResult> RunAsync(string kubeconfig, params string[] arguments) => RunAsync(kubeconfig, null, arguments);
}
