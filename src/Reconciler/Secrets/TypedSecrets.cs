using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.IO;

namespace GitOpsSecrets.Secrets;

/// <summary>Builders for the typed Secrets of <c>kubectl create secret docker-registry|tls</c> and friends.</summary>
public static class TypedSecrets
{
    public const string DefaultDockerServer = "https://index.docker.io/v1/";

    /// <summary>A <c>.dockerconfigjson</c> Secret with one registry, shaped like kubectl's.</summary>
    public static Secret DockerRegistry(string? name, string? @namespace, string? server, string username, string password, string? email)
    {
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
        {
            throw new InputException("docker-registry: --docker-username and --docker-password are required");
        }

        var entry = new JsonObject
        {
            ["username"] = username,
            ["password"] = password,
        };
        if (!string.IsNullOrEmpty(email))
        {
            entry["email"] = email;
        }

        entry["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
        var config = new JsonObject { ["auths"] = new JsonObject { [string.IsNullOrEmpty(server) ? DefaultDockerServer : server] = entry } };
        return new SecretBuilder(name, @namespace, SecretTypes.DockerConfigJson)
            .Add(SecretTypes.DockerConfigJsonKey, Encoding.UTF8.GetBytes(Manifests.ManifestWriter.ToCompactJson(config)), "docker-registry")
            .Build();
    }

    /// <summary>A <c>kubernetes.io/tls</c> Secret; the certificate and key must be a matching pair.</summary>
    public static Secret Tls(string? name, string? @namespace, string certificatePath, string keyPath)
    {
        var certificatePem = ReadRequired(certificatePath, "--cert");
        var keyPem = ReadRequired(keyPath, "--key");
        try
        {
            using var pair = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(certificatePem), Encoding.UTF8.GetString(keyPem));
        }
        catch (CryptographicException)
        {
            throw new InputException($"tls: {certificatePath} and {keyPath} are not a matching certificate and private key");
        }

        return new SecretBuilder(name, @namespace, SecretTypes.Tls)
            .Add(SecretTypes.TlsCertKey, certificatePem, certificatePath)
            .Add(SecretTypes.TlsPrivateKeyKey, keyPem, keyPath)
            .Build();
    }

    public static Secret BasicAuth(string? name, string? @namespace, string? username, string? password)
    {
        var builder = new SecretBuilder(name, @namespace, SecretTypes.BasicAuth);
        if (!string.IsNullOrEmpty(username))
        {
            builder.Add(SecretTypes.BasicAuthUsernameKey, Encoding.UTF8.GetBytes(username), "--username");
        }

        if (!string.IsNullOrEmpty(password))
        {
            builder.Add(SecretTypes.BasicAuthPasswordKey, Encoding.UTF8.GetBytes(password), "--password");
        }

        var secret = builder.Build();
        return secret.Data.Count > 0 ? secret : throw new InputException("basic-auth: --username or --password is required");
    }

    /// <summary>An ssh-auth Secret; optionally with <c>known_hosts</c>, which Flux's git source reads.</summary>
    public static Secret SshAuth(string? name, string? @namespace, string privateKeyPath, string? knownHostsPath)
    {
        var builder = new SecretBuilder(name, @namespace, SecretTypes.SshAuth)
            .Add(SecretTypes.SshAuthPrivateKey, ReadRequired(privateKeyPath, "--ssh-privatekey"), privateKeyPath);
        if (knownHostsPath is not null)
        {
            builder.Add("known_hosts", ReadRequired(knownHostsPath, "--known-hosts"), knownHostsPath);
        }

        return builder.Build();
    }

    private static byte[] ReadRequired(string path, string flag) =>
        File.Exists(path) ? BoundedInput.ReadFile(path) : throw new InputException($"{flag}: {path}: no such file");
}
