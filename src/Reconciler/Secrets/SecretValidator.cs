using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GitOpsSecrets.Secrets;

/// <summary>
/// The checks the API server makes on a Secret (names, key names, total size, per-type required keys),
/// done before anything is sealed or applied so a bad Secret fails early with a message naming the key.
/// Messages never include values.
/// </summary>
public static partial class SecretValidator
{
    /// <summary>The API server's limit on the sum of a Secret's data value sizes.</summary>
    public const int MaxTotalDataBytes = 1024 * 1024;

    [GeneratedRegex("^[a-z0-9]{6}$")]
    private static partial Regex BootstrapTokenId();

    [GeneratedRegex("^[a-z0-9]{16}$")]
    private static partial Regex BootstrapTokenSecret();

    public static IReadOnlyList<string> Validate(Secret secret, bool requireName = true)
    {
        var problems = new List<string>();
        var name = secret.Metadata.Name;
        if (requireName && string.IsNullOrEmpty(name))
        {
            problems.Add("metadata.name is required");
        }
        else if (!string.IsNullOrEmpty(name))
        {
            problems.AddRange(KubernetesNames.Invalid("metadata.name", name, KubernetesNames.SecretNameErrors(name)));
        }

        if (!string.IsNullOrEmpty(secret.Metadata.Namespace))
        {
            problems.AddRange(KubernetesNames.Invalid("metadata.namespace", secret.Metadata.Namespace, KubernetesNames.NamespaceErrors(secret.Metadata.Namespace)));
        }

        if (string.IsNullOrEmpty(secret.Type))
        {
            problems.Add("type must not be empty");
        }

        long total = 0;
        foreach (var (key, value) in secret.Data)
        {
            problems.AddRange(KubernetesNames.Invalid($"data[{key}]", key, KubernetesNames.DataKeyErrors(key)));

            total += value.Length;
        }

        if (total > MaxTotalDataBytes)
        {
            problems.Add($"data is {total} bytes in total, over the Secret limit of {MaxTotalDataBytes} bytes (1 MiB)");
        }

        ValidateType(secret, problems);
        return problems;
    }

    private static void ValidateType(Secret secret, List<string> problems)
    {
        foreach (var key in SecretTypes.RequiredKeys(secret.Type))
        {
            if (!secret.Data.TryGetValue(key, out var value) || value.Length == 0)
            {
                problems.Add($"type {secret.Type} requires data key \"{key}\"");
            }
        }

        switch (secret.Type)
        {
            case SecretTypes.BasicAuth when !NonEmpty(secret, SecretTypes.BasicAuthUsernameKey) && !NonEmpty(secret, SecretTypes.BasicAuthPasswordKey):
                problems.Add($"type {secret.Type} requires data key \"username\" or \"password\"");
                break;
            case SecretTypes.ServiceAccountToken when !secret.Metadata.Annotations.ContainsKey(SecretTypes.ServiceAccountNameAnnotation):
                problems.Add($"type {secret.Type} requires annotation \"{SecretTypes.ServiceAccountNameAnnotation}\"");
                break;
            case SecretTypes.DockerConfig:
                CheckJson(secret, SecretTypes.DockerConfigKey, requireAuths: false, problems);
                break;
            case SecretTypes.DockerConfigJson:
                CheckJson(secret, SecretTypes.DockerConfigJsonKey, requireAuths: true, problems);
                break;
            case SecretTypes.BootstrapToken:
                CheckBootstrapToken(secret, problems);
                break;
        }
    }

    private static bool NonEmpty(Secret secret, string key) => secret.Data.TryGetValue(key, out var v) && v.Length > 0;

    private static void CheckJson(Secret secret, string key, bool requireAuths, List<string> problems)
    {
        if (!secret.Data.TryGetValue(key, out var value) || value.Length == 0)
        {
            return;
        }

        try
        {
            using var json = JsonDocument.Parse(value);
            if (requireAuths && (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("auths", out _)))
            {
                problems.Add($"data key \"{key}\" must be a JSON object with an \"auths\" field");
            }
        }
        catch (JsonException)
        {
            problems.Add($"data key \"{key}\" must hold valid JSON");
        }
    }

    private static void CheckBootstrapToken(Secret secret, List<string> problems)
    {
        var id = secret.Data.TryGetValue(SecretTypes.BootstrapTokenIdKey, out var idBytes) ? Encoding.UTF8.GetString(idBytes) : null;
        if (id is not null && !BootstrapTokenId().IsMatch(id))
        {
            problems.Add("data key \"token-id\" must be 6 characters of [a-z0-9]");
        }

        if (secret.Data.TryGetValue(SecretTypes.BootstrapTokenSecretKey, out var tokenSecret) && !BootstrapTokenSecret().IsMatch(Encoding.UTF8.GetString(tokenSecret)))
        {
            problems.Add("data key \"token-secret\" must be 16 characters of [a-z0-9]");
        }

        if (id is not null && secret.Metadata.Name is { } name && name != $"bootstrap-token-{id}")
        {
            problems.Add($"a bootstrap token Secret must be named \"bootstrap-token-<token-id>\", not \"{name}\"");
        }
    }
}
