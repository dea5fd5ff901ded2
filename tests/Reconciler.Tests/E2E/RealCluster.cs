using System.Diagnostics;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// Where the real API server of the E2E suite is: a kubeconfig given by the environment, or the
/// loopback control plane of tests/cluster/cluster.sh that <see cref="RealClusterFixture"/> starts
/// when GITOPS_SECRETS_E2E_CLUSTER=up.
/// </summary>
public static class RealCluster
{
    public const string KubeconfigVariable = "GITOPS_SECRETS_E2E_KUBECONFIG";
    public const string AuditLogVariable = "GITOPS_SECRETS_E2E_AUDIT_LOG";
    public const string StartVariable = "GITOPS_SECRETS_E2E_CLUSTER";

    public const string HowToEnable =
        "real-API-server suite: run `eval \"$(tests/cluster/cluster.sh up)\"` first (builds and starts kube-apiserver on loopback; "
        + "or set " + KubeconfigVariable + " to any cluster's kubeconfig, or " + StartVariable + "=up to let the suite start and stop it)";

    private static string? _started;
    private static string? _startedAuditLog;

    public static bool IsConfigured =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(KubeconfigVariable)) || StartsItself;

    public static bool StartsItself => Environment.GetEnvironmentVariable(StartVariable) == "up";

    public static string Kubeconfig =>
        NonEmpty(Environment.GetEnvironmentVariable(KubeconfigVariable)) ?? _started
        ?? throw new InvalidOperationException($"no real API server: {HowToEnable}");

    /// <summary>The API server's audit log (every request with user, verb, resource and decision), when this machine can read it.</summary>
    public static string? AuditLog => NonEmpty(Environment.GetEnvironmentVariable(AuditLogVariable)) ?? _startedAuditLog;

    public static string Script => Path.Combine(RepositoryRoot(), "tests", "cluster", "cluster.sh");

    /// <summary>Runs <c>cluster.sh up</c> and remembers the kubeconfig and audit log it reports.</summary>
    internal static async Task StartAsync()
    {
        var output = await RunScriptAsync("up");
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, value) = ExportLine(line);
            if (name == KubeconfigVariable)
            {
                _started = value;
            }
            else if (name == AuditLogVariable)
            {
                _startedAuditLog = value;
            }
        }

        if (_started is null)
        {
            throw new InvalidOperationException($"cluster.sh up printed no {KubeconfigVariable}: {output}");
        }
    }

    internal static Task StopAsync() => RunScriptAsync("down");

    private static (string? Name, string? Value) ExportLine(string line)
    {
        const string prefix = "export ";
        var equals = line.IndexOf('=', StringComparison.Ordinal);
        return line.StartsWith(prefix, StringComparison.Ordinal) && equals > prefix.Length
            ? (line[prefix.Length..equals], line[(equals + 1)..])
            : (null, null);
    }

    private static async Task<string> RunScriptAsync(string verb)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [Script, verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"cluster.sh {verb} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GitOpsSecrets.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("GitOpsSecrets.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// Starts the loopback control plane once for the whole real-cluster collection when
/// GITOPS_SECRETS_E2E_CLUSTER=up and no kubeconfig was given, and stops it afterwards.
/// </summary>
public sealed class RealClusterFixture : IAsyncLifetime
{
    private bool _started;

    public async Task InitializeAsync()
    {
        if (RealCluster.StartsItself && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(RealCluster.KubeconfigVariable)))
        {
            await RealCluster.StartAsync();
            _started = true;
        }
    }

    public async Task DisposeAsync()
    {
        if (_started)
        {
            await RealCluster.StopAsync();
        }
    }
}

/// <summary>The real-cluster tests run one at a time: each sync may look at every managed Secret it can see.</summary>
[CollectionDefinition(nameof(RealClusterCollection), DisableParallelization = true)]
public sealed class RealClusterCollection : ICollectionFixture<RealClusterFixture>;
