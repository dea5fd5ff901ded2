using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Cli;

/// <summary>
/// The namespace of the kubeconfig's current context, which kubeseal uses for a Secret that names
/// none; "default" when there is no kubeconfig or the context sets no namespace.
/// </summary>
public static class KubeconfigNamespace
{
    public const string Default = "default";

    /// <summary>The kubeconfig kubectl would read: the given file, else the first of $KUBECONFIG, else ~/.kube/config.</summary>
    public static string? FilePath(CliHost host, string? kubeconfig = null) =>
        kubeconfig
            ?? host.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? (host.GetEnvironmentVariable("HOME") is { } home ? Path.Combine(home, ".kube", "config") : null);

    public static string Resolve(CliHost host, string? kubeconfig = null, string? context = null)
    {
        var path = FilePath(host, kubeconfig);
        if (path is null || !File.Exists(path))
        {
            return Default;
        }

        try
        {
            var root = ManifestReader.ReadFile(path).FirstOrDefault()?.Root as JsonObject;
            var name = context ?? root?["current-context"]?.GetValue<string>();
            var entry = (root?["contexts"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["name"]?.GetValue<string>() == name);
            return entry?["context"]?["namespace"]?.GetValue<string>() is { Length: > 0 } ns ? ns : Default;
        }
        catch (Exception e) when (e is ManifestException or InvalidOperationException or FormatException)
        {
            return Default;
        }
    }
}
