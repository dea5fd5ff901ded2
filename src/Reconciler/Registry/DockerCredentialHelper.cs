using System.Diagnostics;

namespace GitOpsSecrets.Registry;

/// <summary>
/// docker's credential-helper protocol: <c>docker-credential-NAME store</c> reads
/// <c>{"ServerURL","Username","Secret"}</c> on standard input, <c>erase</c> reads the server URL. The
/// program is looked up on the caller's PATH, as docker does. Its output is never echoed (a helper may
/// repeat what it was given); a failure names the helper and its exit code.
/// </summary>
public sealed class DockerCredentialHelper(string name, Func<string, string?> environment)
{
    public string Program => $"docker-credential-{name}";

    public Task StoreAsync(RegistryCredential credential, CancellationToken cancellationToken) =>
        RunAsync("store", credential.ToHelperInput(), credential.Server, cancellationToken);

    public Task EraseAsync(string server, CancellationToken cancellationToken) =>
        RunAsync("erase", server, server, cancellationToken);

    private async Task RunAsync(string verb, string input, string server, CancellationToken cancellationToken)
    {
        var path = Find() ?? throw new InputException($"credential helper {Program} (configured in config.json for {server}) is not on PATH");
        var start = new ProcessStartInfo(path, [verb])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await Task.WhenAll(stdout, stderr);
        if (process.ExitCode != 0)
        {
            throw new InputException($"{Program} {verb} for {server} failed (exit code {process.ExitCode})");
        }
    }

    private string? Find()
    {
        var directories = environment("PATH")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) ?? [];
        return directories.Select(d => Path.Combine(d, Program)).FirstOrDefault(File.Exists);
    }
}
