using k8s;
using k8s.Authentication;
using k8s.Autorest;

namespace GitOpsSecrets.Kubernetes;

/// <summary>
/// An HTTP client that reaches a Service through the Kubernetes API server's service proxy, the way
/// kubeseal reaches its controller: <c>/api/v1/namespaces/{ns}/services/http:{name}:{port name}/proxy/</c>, with the
/// kubeconfig's server, CA, client certificate and token (KubernetesClient does the kubeconfig part).
/// </summary>
public sealed class KubernetesServiceProxy : IDisposable
{
    private readonly k8s.Kubernetes _kubernetes;

    private KubernetesServiceProxy(k8s.Kubernetes kubernetes, HttpClient client, Uri baseUri)
    {
        _kubernetes = kubernetes;
        Client = client;
        BaseUri = baseUri;
    }

    public HttpClient Client { get; }

    /// <summary>The Service's root through the proxy, ending in '/'.</summary>
    public Uri BaseUri { get; }

    /// <summary>
    /// The proxy exactly as kubeseal builds it: read the Service first and use the name of its first port
    /// (<c>http:NAME:PORTNAME</c>), so a controller whose Service names its port (Bitnami's chart: "http")
    /// is reached as well as one with an unnamed port. A missing Service fails with kubeseal's advice.
    /// </summary>
    public static async Task<KubernetesServiceProxy> ConnectAsync(string kubeconfigPath, string? context, string @namespace, string service, CancellationToken cancellationToken)
    {
        var config = KubernetesClients.Configure(kubeconfigPath, context);
        string portName;
        using (var lookup = new k8s.Kubernetes(config))
        {
            try
            {
                var found = await lookup.CoreV1.ReadNamespacedServiceAsync(service, @namespace, cancellationToken: cancellationToken);
                portName = found.Spec?.Ports?.FirstOrDefault()?.Name ?? string.Empty;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException)
            {
                throw new InputException($"cannot get sealed secret service {@namespace}/{service} from {config.Host.TrimEnd('/')}: {ApiCaller.Describe(e)}. Use --controller-name and --controller-namespace to name the sealed secrets controller's Service", e);
            }
        }

        return Open(config, @namespace, service, portName);
    }

    private static KubernetesServiceProxy Open(KubernetesClientConfiguration config, string @namespace, string service, string portName)
    {
        // KubernetesClient links the handlers it is given to the transport it configured from the kubeconfig
        // (CA, client certificate): a pass-through handler is the way to borrow that transport.
        var transport = new PassThroughHandler();
        var kubernetes = new k8s.Kubernetes(config, transport);
        var handler = new CredentialsHandler(kubernetes.Credentials) { InnerHandler = transport };
        var client = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(60) };
        var server = config.Host.TrimEnd('/');
        var baseUri = new Uri($"{server}/api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/services/http:{Uri.EscapeDataString(service)}:{Uri.EscapeDataString(portName)}/proxy/");
        return new KubernetesServiceProxy(kubernetes, client, baseUri);
    }

    public void Dispose()
    {
        Client.Dispose();
        _kubernetes.Dispose();
    }

    private sealed class PassThroughHandler : DelegatingHandler
    {
    }

    /// <summary>Adds the kubeconfig's credentials (token, exec plugin, basic auth) to each request.</summary>
    private sealed class CredentialsHandler(ServiceClientCredentials? credentials) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (credentials is not null)
            {
                await credentials.ProcessHttpRequestAsync(request, cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
