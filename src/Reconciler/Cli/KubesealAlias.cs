using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;
using System.Text;

namespace GitOpsSecrets.Cli;

/// <summary>
/// Installed (linked or copied) as <c>kubeseal</c>, the program is kubeseal: the root command takes
/// <c>seal</c>'s options, which are kubeseal's, so <c>kubeseal --fetch-cert</c> or
/// <c>kubeseal &lt; secret.yaml &gt; sealed.json</c> in an existing script run unchanged.
/// </summary>
public static class KubesealAlias
{
    public const string Name = "kubeseal";

    public static bool Matches(string invocationName) => string.Equals(invocationName, Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// argv[0] of this process without directory and extension. On Linux it comes from
    /// /proc/self/cmdline, because a symlink named kubeseal is resolved away in the process path;
    /// elsewhere the process path serves (a copy named kubeseal.exe). <c>dotnet gitops-secrets.dll</c> is "dotnet".
    /// </summary>
    public static string InvocationNameOfProcess()
    {
        string? argv0 = null;
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/self/cmdline"))
            {
                argv0 = Encoding.UTF8.GetString(File.ReadAllBytes("/proc/self/cmdline")).Split('\0')[0];
            }
        }
        catch (IOException)
        {
            // No /proc: fall back to the process path.
        }

        argv0 = string.IsNullOrEmpty(argv0) ? Environment.ProcessPath : argv0;
        return string.IsNullOrEmpty(argv0) ? CliApp.Name : Path.GetFileNameWithoutExtension(argv0);
    }

    /// <summary>The root command of the alias: seal's options and action, kubeseal's help and <c>--version</c>.</summary>
    public static Command BuildRoot(CliHost host, SharedOptions shared)
    {
        var root = new Command(Name, "kubeseal, served by GitOps Secrets: seal Secrets with the controller's certificate, fetch it, validate, re-encrypt, recovery-unseal. The same flags as `gitops-secrets seal`.")
        {
            new HelpOption(),
            new VersionOption { Action = new VersionAction(host) },
            shared.Verbose,
            shared.CryptoEngine,
        };
        new SealCommand(host, shared).Configure(root);
        return root;
    }

    /// <summary>Our version in kubeseal's layout ("kubeseal version: …"), for scripts that print or parse it.</summary>
    public static string Version()
    {
        var informational = typeof(KubesealAlias).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        return $"kubeseal version: {informational.Split('+')[0]} (gitops-secrets)";
    }

    private sealed class VersionAction(CliHost host) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            host.Out.WriteLine(Version());
            return ExitCodes.Success;
        }
    }
}
