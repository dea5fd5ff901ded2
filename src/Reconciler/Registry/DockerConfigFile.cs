using System.Text.Json;
using System.Text.Json.Nodes;
using GitOpsSecrets.IO;

namespace GitOpsSecrets.Registry;

/// <summary>
/// docker's client configuration (<c>$DOCKER_CONFIG/config.json</c>, default <c>~/.docker/config.json</c>)
/// as a JSON tree, so every key we do not touch (proxies, aliases, other registries) is written back as it
/// was. Saved atomically with mode 0600, since <c>auths</c> holds credentials.
/// </summary>
public sealed class DockerConfigFile
{
    public const string FileName = "config.json";

    private readonly JsonObject _root;

    private DockerConfigFile(string path, JsonObject root)
    {
        Path = path;
        _root = root;
    }

    public string Path { get; }

    /// <summary>The file docker reads: <c>$DOCKER_CONFIG/config.json</c>, else <c>$HOME/.docker/config.json</c>.</summary>
    public static string Locate(Func<string, string?> environment) =>
        environment("DOCKER_CONFIG") is { } directory ? System.IO.Path.Combine(directory, FileName)
        : environment("HOME") is { } home ? System.IO.Path.Combine(home, ".docker", FileName)
        : throw new InputException("cannot find docker's config.json: set DOCKER_CONFIG or HOME");

    /// <summary>The file's tree, or an empty one when it does not exist yet.</summary>
    public static DockerConfigFile Load(string path)
    {
        if (!File.Exists(path))
        {
            return new DockerConfigFile(path, []);
        }

        var bytes = BoundedInput.ReadFile(path);
        if (bytes.AsSpan().Trim((byte)' ').IsEmpty)
        {
            return new DockerConfigFile(path, []);
        }

        try
        {
            return JsonNode.Parse(bytes) is JsonObject root
                ? new DockerConfigFile(path, root)
                : throw new InputException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            // The position only: the parser's text could quote a credential.
            throw new InputException($"{path}: not valid JSON (line {e.LineNumber + 1})");
        }
    }

    /// <summary>
    /// The credential helper docker would use for SERVER: <c>credHelpers</c> for its host name, else
    /// <c>credsStore</c>; null when credentials go into the file.
    /// </summary>
    public string? HelperFor(string server)
    {
        var helpers = _root["credHelpers"] as JsonObject;
        foreach (var key in new[] { server, HostOf(server) })
        {
            if (helpers?[key] is JsonValue value && value.TryGetValue<string>(out var helper) && helper.Length > 0)
            {
                return helper;
            }
        }

        return _root["credsStore"] is JsonValue store && store.TryGetValue<string>(out var name) && name.Length > 0 ? name : null;
    }

    public bool HasEntry(string server) => Auths(create: false)?.ContainsKey(server) == true;

    /// <summary>Sets SERVER's entry in <c>auths</c>, replacing only that one.</summary>
    public void SetEntry(string server, JsonObject entry) => Auths(create: true)![server] = entry;

    /// <summary>Removes SERVER's entry; true when there was one.</summary>
    public bool RemoveEntry(string server) => Auths(create: false)?.Remove(server) == true;

    public void Save() =>
        AtomicFile.WriteText(Path, _root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", AtomicFile.OwnerOnly);

    /// <summary>docker keys credHelpers by registry host: <c>https://ghcr.io/v2/</c> → <c>ghcr.io</c>.</summary>
    public static string HostOf(string server)
    {
        var withoutScheme = server.Contains("://", StringComparison.Ordinal) ? server[(server.IndexOf("://", StringComparison.Ordinal) + 3)..] : server;
        var slash = withoutScheme.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? withoutScheme : withoutScheme[..slash];
    }

    private JsonObject? Auths(bool create)
    {
        if (_root["auths"] is JsonObject auths)
        {
            return auths;
        }

        if (_root["auths"] is not null)
        {
            throw new InputException($"{Path}: \"auths\" is not an object");
        }

        return create ? (JsonObject)(_root["auths"] = new JsonObject()) : null;
    }
}
