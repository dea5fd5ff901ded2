using System.Text;
using GitOpsSecrets.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>What one in-process run of the real command line printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs <c>gitops-secrets</c> in-process with string writers for stdout and stderr, a given stdin and a
/// fixed environment (no HOME, so no kubeconfig is picked up by accident).
/// </summary>
public sealed class CliRunner
{
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>The name the program runs as; <c>kubeseal</c> runs it as the kubeseal alias.</summary>
    public string InvocationName { get; init; } = CliApp.Name;

    /// <summary>Runs as if standard error were a terminal (live progress instead of plain lines).</summary>
    public bool ErrorIsTerminal { get; init; }

    public Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync(string.Empty, args);

    public async Task<CliResult> RunWithInputAsync(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var host = new CliHost
        {
            OpenStandardInput = () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)),
            Out = stdout,
            Error = stderr,
            Environment = new Dictionary<string, string>(Environment),
            Time = Time,
            ConfigureServices = ConfigureServices,
            InvocationName = InvocationName,
            ErrorIsTerminal = ErrorIsTerminal,
        };
        var code = await CliApp.RunAsync(args, host, CancellationToken.None);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }
}
