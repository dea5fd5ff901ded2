using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;

namespace GitOpsSecrets.Kubernetes;

/// <summary>One Secret as a person's own credentials see it: its type and data, nothing else.</summary>
public sealed record UserSecret(string Namespace, string Name, string Type, IReadOnlyDictionary<string, byte[]> Data)
{
    public string QualifiedName => $"{Namespace}/{Name}";
}

/// <summary>
/// The API server refused the request or could not be reached; the message is one line fit for
/// <c>error: …</c> (the refused user and the object, never data).
/// </summary>
public sealed class KubernetesAccessException(string message, Exception? inner = null) : GitOpsSecretsException(message, inner);

/// <summary>
/// Reads one Secret with the caller's own kubeconfig, so the cluster's RBAC decides who gets it: a
/// 403 becomes <c>forbidden: user "bob" cannot get secret NS/NAME</c>, a 404 an input error.
/// </summary>
public static partial class UserSecretReader
{
    /// <summary>A reader for the client configuration kubectl would use (<see cref="KubectlConfig"/>), resolved now, so callers outside this room never see a KubernetesClient type.</summary>
    public static KubectlSecretReader FromKubectlConfig(string? kubeconfig, string? context, Func<string, string?> environment) =>
        new(KubectlConfig.Resolve(kubeconfig, context, environment));

    public static async Task<UserSecret> ReadAsync(KubernetesClientConfiguration configuration, string @namespace, string name, CancellationToken cancellationToken)
    {
        var qualified = $"{@namespace}/{name}";
        using var client = new k8s.Kubernetes(configuration);
        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: cancellationToken);
            var data = (secret.Data ?? new Dictionary<string, byte[]>()).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            return new UserSecret(@namespace, name, secret.Type ?? "Opaque", data);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new KubernetesAccessException($"forbidden: user \"{RefusedUser(e.Response.Content)}\" cannot get secret {qualified}", e);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new KubernetesAccessException($"unauthorized: the API server {configuration.Host} did not accept these credentials (reading secret {qualified})", e);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new InputException($"secret {qualified} not found", e);
        }
        catch (HttpOperationException e)
        {
            throw new KubernetesAccessException($"reading secret {qualified}: the API server {configuration.Host} answered {(int)e.Response.StatusCode} {e.Response.ReasonPhrase}", e);
        }
        catch (HttpRequestException e)
        {
            throw new KubernetesAccessException($"reading secret {qualified}: cannot reach the API server {configuration.Host} ({e.Message})", e);
        }
    }

    /// <summary>The user the API server names in its Status message (<c>User "bob" cannot get …</c>).</summary>
    private static string RefusedUser(string? statusJson)
    {
        string? message = null;
        try
        {
            message = JsonNode.Parse(statusJson ?? string.Empty)?["message"]?.GetValue<string>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            // Not a Status object: no user to name.
        }

        return message is not null && UserPattern().Match(message) is { Success: true } match ? match.Groups[1].Value : "(current user)";
    }

    [GeneratedRegex("User \"([^\"]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex UserPattern();
}

/// <summary>Reads Secrets with one resolved kubectl configuration (see <see cref="UserSecretReader"/>).</summary>
public sealed class KubectlSecretReader
{
    private readonly KubernetesClientConfiguration _configuration;

    internal KubectlSecretReader(KubernetesClientConfiguration configuration) => _configuration = configuration;

    public Task<UserSecret> ReadAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        UserSecretReader.ReadAsync(_configuration, @namespace, name, cancellationToken);
}
