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

    public static string Resolve(CliHost host, string? kubeconfig = null, string? context = null)
    {
        var path = kubeconfig
            ?? host.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? (host.GetEnvironmentVariable("HOME") is { } home ? Path.Combine(home, ".kube", "config") : null);
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
