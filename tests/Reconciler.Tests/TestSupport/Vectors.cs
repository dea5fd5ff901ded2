using System.Text.Json;
using GitOpsSecrets.Keys;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// The shared Bitnami-format test vectors (../shared/vectors), found by walking up from the test
/// binary, with a copy in the repository's tests/vectors so a clean checkout works on its own.
/// </summary>
public static class Vectors
{
    public static string Directory { get; } = Locate();

    public static string Path(string name) => System.IO.Path.Combine(Directory, name);

    public static string Text(string name) => File.ReadAllText(Path(name));

    public static SealingKey LoadKey()
    {
        var result = KeyMaterialReader.ReadFile(Path("sealing-key.secret.json"));
        result.Problems.ShouldBeEmpty();
        return result.Keys.Single();
    }

    public static IReadOnlyList<VectorItem> Items { get; } =
        JsonSerializer.Deserialize<List<VectorItem>>(File.ReadAllText(Path("items.json")), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!;

    public static IEnumerable<string> Scopes => ["strict", "namespace-wide", "cluster-wide"];

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "vectors");
            if (File.Exists(System.IO.Path.Combine(candidate, "items.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/vectors not found above " + AppContext.BaseDirectory);
    }
}

public sealed record VectorItem(
    string Scope,
    string Namespace,
    string Name,
    string OaepLabel,
    string ItemKey,
    string Plaintext,
    string SessionKeyHex,
    int RsaCiphertextLen,
    string AesGcmCiphertextAndTagHex,
    string CiphertextBase64Std);
