using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace GitOpsSecrets.Ui;

/// <summary>One file of the web page, as embedded in the binary.</summary>
public sealed record UiAsset(string Name, byte[] Content, string ContentType, string ETag);

/// <summary>
/// The web page's static files, embedded in the binary at build time (<c>Ui/Assets/*</c>), so the page
/// works offline and from a single-file build: nothing is read from disk and nothing from a CDN.
/// </summary>
public static class UiAssets
{
    private const string Prefix = "ui/";

    private static readonly FrozenDictionary<string, UiAsset> Files = Load();

    public static IReadOnlyCollection<UiAsset> All => Files.Values;

    public static UiAsset? Find(string name) => Files.GetValueOrDefault(name);

    private static FrozenDictionary<string, UiAsset> Load()
    {
        var assembly = typeof(UiAssets).Assembly;
        var files = new Dictionary<string, UiAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..];
            var content = Read(assembly, resource);
            var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"";
            files[name] = new UiAsset(name, content, ContentType(name), etag);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"embedded resource {resource} is missing");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
