namespace GitOpsSecrets.Secrets;

/// <summary>The built-in Secret types and the data keys each one requires.</summary>
public static class SecretTypes
{
    public const string Opaque = "Opaque";
    public const string ServiceAccountToken = "kubernetes.io/service-account-token";
    public const string DockerConfig = "kubernetes.io/dockercfg";
    public const string DockerConfigJson = "kubernetes.io/dockerconfigjson";
    public const string BasicAuth = "kubernetes.io/basic-auth";
    public const string SshAuth = "kubernetes.io/ssh-auth";
    public const string Tls = "kubernetes.io/tls";
    public const string BootstrapToken = "bootstrap.kubernetes.io/token";

    public const string DockerConfigKey = ".dockercfg";
    public const string DockerConfigJsonKey = ".dockerconfigjson";
    public const string BasicAuthUsernameKey = "username";
    public const string BasicAuthPasswordKey = "password";
    public const string SshAuthPrivateKey = "ssh-privatekey";
    public const string TlsCertKey = "tls.crt";
    public const string TlsPrivateKeyKey = "tls.key";
    public const string ServiceAccountNameAnnotation = "kubernetes.io/service-account.name";
    public const string BootstrapTokenIdKey = "token-id";
    public const string BootstrapTokenSecretKey = "token-secret";

    public static IReadOnlyList<string> All { get; } =
        [Opaque, ServiceAccountToken, DockerConfig, DockerConfigJson, BasicAuth, SshAuth, Tls, BootstrapToken];

    /// <summary>Keys that must be present (and, for these types, non-empty) in a Secret of the type.</summary>
    public static IReadOnlyList<string> RequiredKeys(string type) => type switch
    {
        DockerConfig => [DockerConfigKey],
        DockerConfigJson => [DockerConfigJsonKey],
        SshAuth => [SshAuthPrivateKey],
        Tls => [TlsCertKey, TlsPrivateKeyKey],
        BootstrapToken => [BootstrapTokenIdKey, BootstrapTokenSecretKey],
        _ => [],
    };
}
