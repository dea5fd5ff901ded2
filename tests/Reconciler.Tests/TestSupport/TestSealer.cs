using GitOpsSecrets.Keys;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>Seals Secrets to the vector key (tests/vectors) and prints them as a kubeseal YAML manifest.</summary>
public sealed class TestSealer : IDisposable
{
    private readonly SealingKey _key = Vectors.LoadKey();
    private readonly Sealer _sealer;

    public TestSealer(CryptoCounters? counters = null)
    {
        _sealer = new Sealer(new ValueCipher(RsaOaepFactory.Create(CryptoEngine.Auto), counters ?? new CryptoCounters()));
    }

    /// <summary>The key file the sealed manifests open with: what <c>--keys</c> is given.</summary>
    public static string KeyFile => Vectors.Path("sealing-key.secret.json");

    public string Yaml(string @namespace, string name, IReadOnlyDictionary<string, string> values, SealingScope scope = SealingScope.Strict, Action<Secret>? customize = null)
    {
        var secret = SealedFiles.PlainSecret(@namespace, name, values);
        customize?.Invoke(secret);
        return ManifestWriter.ToYaml(ManifestWriter.SortKeys(SealedSecretManifest.ToNode(_sealer.Seal(secret, _key, scope))));
    }

    public void Dispose() => _key.Dispose();
}
