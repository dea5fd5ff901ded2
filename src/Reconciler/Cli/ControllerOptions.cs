using System.CommandLine;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Cli;

/// <summary>Where the sealed secrets controller (our worker or Bitnami's) is: a direct URL, or a Service behind the API server.</summary>
public sealed record ControllerTarget(string? Url, string Name, string Namespace, string? Kubeconfig, string? Context);

/// <summary>
/// kubeseal's way to find the controller, for <c>seal</c>: <c>--controller-name</c> and
/// <c>--controller-namespace</c> name its Service, reached through the API server of <c>--kubeconfig</c>
/// and <c>--context</c>; our <c>--controller-url</c> names it directly instead. The defaults are
/// kubeseal's own (kube-system, where Bitnami's chart installs), so a script written for kubeseal finds
/// the same controller; <c>SEALED_SECRETS_CONTROLLER_NAMESPACE</c> and the other environment defaults
/// come from <see cref="EnvironmentDefaults"/>.
/// </summary>
public sealed class ControllerOptions
{
    public const string KubesealControllerName = "sealed-secrets-controller";
    public const string KubesealControllerNamespace = "kube-system";

    public Option<string?> Url { get; } = new("--controller-url") { Description = "Reach the controller (worker) directly at this URL instead of through the API server (e.g. http://127.0.0.1:8080)" };

    public Option<string?> Name { get; } = new("--controller-name") { Description = $"Name of the sealed secrets controller's Service (default {KubesealControllerName})" };

    public Option<string?> Namespace { get; } = new("--controller-namespace") { Description = $"Namespace of that Service (default {KubesealControllerNamespace}, kubeseal's) [env SEALED_SECRETS_CONTROLLER_NAMESPACE]" };

    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "Kubeconfig for the API server and the default namespace (default $KUBECONFIG, then ~/.kube/config)" };

    public Option<string?> Context { get; } = new("--context") { Description = "Kubeconfig context to use" };

    public IEnumerable<Option> All => [Url, Name, Namespace, Kubeconfig, Context];

    public ControllerTarget Resolve(ParseResult parse) => new(
        parse.GetValue(Url),
        parse.GetValue(Name) ?? KubesealControllerName,
        parse.GetValue(Namespace) ?? KubesealControllerNamespace,
        parse.GetValue(Kubeconfig),
        parse.GetValue(Context));
}

/// <summary>
/// An open way to the controller: the given URL directly, or its Service through the API server's proxy
/// exactly as kubeseal goes (<see cref="KubernetesServiceProxy.ConnectAsync"/>).
/// </summary>
public sealed class ControllerConnection : IDisposable
{
    private readonly KubernetesServiceProxy? _proxy;

    private ControllerConnection(ControllerClient client, KubernetesServiceProxy? proxy)
    {
        Client = client;
        _proxy = proxy;
    }

    public ControllerClient Client { get; }

    /// <param name="alternatives">What else the command could be given instead of a kubeconfig, for the error without one.</param>
    public static async Task<ControllerConnection> OpenAsync(CliHost host, ControllerTarget target, HttpClient http, string alternatives, CancellationToken cancellationToken)
    {
        if (target.Url is { } url)
        {
            var direct = Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new UsageException($"--controller-url: \"{url}\" is not an http(s) URL");
            return new ControllerConnection(new ControllerClient(http, direct, host.Time), null);
        }

        var kubeconfig = KubeconfigNamespace.FilePath(host, target.Kubeconfig);
        if (kubeconfig is null || !File.Exists(kubeconfig))
        {
            throw new UsageException($"no kubeconfig to reach the controller {target.Namespace}/{target.Name} through the API server (--kubeconfig, $KUBECONFIG, ~/.kube/config): {alternatives}");
        }

        var proxy = await KubernetesServiceProxy.ConnectAsync(kubeconfig, target.Context, target.Namespace, target.Name, cancellationToken);
        return new ControllerConnection(new ControllerClient(proxy.Client, proxy.BaseUri, host.Time), proxy);
    }

    public void Dispose() => _proxy?.Dispose();
}
