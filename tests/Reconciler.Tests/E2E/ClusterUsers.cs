using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace GitOpsSecrets.Tests.E2E;

/// <summary>
/// People of the real API server: a client certificate signed by the cluster's own CA (the API server
/// takes CN as the user and O as groups), in a kubeconfig of its own, so a command runs as that person
/// and RBAC decides. The CA comes from the state directory of tests/cluster/cluster.sh
/// (GITOPS_SECRETS_E2E_CLUSTER_DIR/pki/ca.crt and ca.key).
/// </summary>
public sealed class ClusterUsers(string adminKubeconfig, string directory)
{
    public const string ClusterDirVariable = "GITOPS_SECRETS_E2E_CLUSTER_DIR";

    /// <summary>Writes DIRECTORY/USER.kubeconfig for USER (in GROUPS) against the admin kubeconfig's server.</summary>
    public string WriteKubeconfig(string user, params string[] groups)
    {
        var pki = Path.Combine(ClusterDir(), "pki");
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(pki, "ca.crt"), Path.Combine(pki, "ca.key"));
        using var key = RSA.Create(2048);
        var subject = new StringBuilder($"CN={user}");
        foreach (var group in groups)
        {
            subject.Append($", O={group}");
        }

        var request = new CertificateRequest(subject.ToString(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        // Back-dated for clock skew, but never before the CA itself (a cluster started a minute ago has a minute-old CA).
        var now = DateTimeOffset.UtcNow;
        var notBefore = new[] { now.AddMinutes(-5), new DateTimeOffset(ca.NotBefore.ToUniversalTime()) }.Max();
        using var certificate = request.Create(ca, notBefore, now.AddHours(1), RandomNumberGenerator.GetBytes(16));

        var admin = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(adminKubeconfig));
        var context = admin.Contexts.Single(c => c.Name == admin.CurrentContext).ContextDetails;
        var cluster = admin.Clusters.Single(c => c.Name == context.Cluster).ClusterEndpoint;
        var kubeconfig = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Config",
            ["clusters"] = new JsonArray(new JsonObject
            {
                ["name"] = "e2e",
                ["cluster"] = new JsonObject { ["server"] = cluster.Server, ["certificate-authority-data"] = Base64(ca.ExportCertificatePem()) },
            }),
            ["users"] = new JsonArray(new JsonObject
            {
                ["name"] = user,
                ["user"] = new JsonObject
                {
                    ["client-certificate-data"] = Base64(certificate.ExportCertificatePem()),
                    ["client-key-data"] = Base64(key.ExportRSAPrivateKeyPem()),
                },
            }),
            ["contexts"] = new JsonArray(new JsonObject { ["name"] = user, ["context"] = new JsonObject { ["cluster"] = "e2e", ["user"] = user } }),
            ["current-context"] = user,
        };
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, user + ".kubeconfig");
        File.WriteAllText(path, kubeconfig.ToJsonString());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>The cluster.sh state directory, where its CA is; a cluster without one (kind) must provide it the same way.</summary>
    private static string ClusterDir()
    {
        var dir = Environment.GetEnvironmentVariable(ClusterDirVariable) is { Length: > 0 } given ? given
            : Environment.GetEnvironmentVariable("GITOPS_SECRETS_CLUSTER_DIR") is { Length: > 0 } own ? own
            : "/tmp/gitops-secrets-cluster";
        return File.Exists(Path.Combine(dir, "pki", "ca.key"))
            ? dir
            : throw new InvalidOperationException($"no cluster CA at {dir}/pki/ca.key to mint user certificates: set {ClusterDirVariable} to the directory whose pki/ holds ca.crt and ca.key");
    }

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));
}
