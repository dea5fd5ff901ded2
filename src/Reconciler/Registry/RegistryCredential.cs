using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Registry;

/// <summary>
/// One registry's login from a <c>.dockerconfigjson</c>: the <c>auths</c> key as written (a host, or a URL
/// such as <c>https://index.docker.io/v1/</c>), and the credentials. <see cref="ToString"/> names the
/// server only, so a credential cannot reach a log or message by accident.
/// </summary>
public sealed record RegistryCredential(string Server, string Username, string Password, string? IdentityToken, string? Email)
{
    /// <summary>The entry docker itself writes into config.json's <c>auths</c> (base64 user:password, identity token).</summary>
    public JsonObject ToConfigEntry()
    {
        var entry = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")) };
        if (IdentityToken is not null)
        {
            entry["identitytoken"] = IdentityToken;
        }

        return entry;
    }

    /// <summary>What <c>docker-credential-HELPER store</c> reads on standard input; a token is stored as docker does, under user "&lt;token&gt;".</summary>
    public string ToHelperInput() => new JsonObject
    {
        ["ServerURL"] = Server,
        ["Username"] = IdentityToken is null ? Username : "<token>",
        ["Secret"] = IdentityToken ?? Password,
    }.ToJsonString();

    public override string ToString() => $"registry credential for {Server}";

    /// <summary>The registries of a <c>kubernetes.io/dockerconfigjson</c> Secret; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<RegistryCredential> FromDockerConfigJson(string type, IReadOnlyDictionary<string, byte[]> data, string source)
    {
        if (type != SecretTypes.DockerConfigJson)
        {
            throw new InputException($"secret {source} is of type {type}, not {SecretTypes.DockerConfigJson}");
        }

        if (!data.TryGetValue(SecretTypes.DockerConfigJsonKey, out var bytes))
        {
            throw new InputException($"secret {source} has no {SecretTypes.DockerConfigJsonKey} key");
        }

        JsonObject? auths;
        try
        {
            auths = JsonNode.Parse(bytes)?["auths"] as JsonObject;
        }
        catch (JsonException)
        {
            // The parser's message may quote the content: name the key only.
            throw new InputException($"secret {source}: {SecretTypes.DockerConfigJsonKey} is not valid JSON");
        }

        if (auths is null || auths.Count == 0)
        {
            throw new InputException($"secret {source}: {SecretTypes.DockerConfigJsonKey} has no auths");
        }

        return [.. auths.Select(p => Entry(p.Key, p.Value as JsonObject, source))];
    }

    private static RegistryCredential Entry(string server, JsonObject? entry, string source)
    {
        var where = $"secret {source}: {SecretTypes.DockerConfigJsonKey} auths[\"{server}\"]";
        if (entry is null)
        {
            throw new InputException($"{where} is not an object");
        }

        var username = Text(entry, "username", where);
        var password = Text(entry, "password", where);
        if ((username is null || password is null) && Text(entry, "auth", where) is { } auth)
        {
            // kubectl writes both forms; "auth" alone is base64 of user:password, as docker's own config keeps it.
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            }
            catch (FormatException)
            {
                throw new InputException($"{where}.auth is not base64");
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new InputException($"{where}.auth is not base64 of user:password");
            }

            username ??= decoded[..colon];
            password ??= decoded[(colon + 1)..];
        }

        var token = Text(entry, "identitytoken", where);
        if (token is null && (string.IsNullOrEmpty(username) || password is null))
        {
            throw new InputException($"{where} has no username/password, auth or identitytoken");
        }

        return new RegistryCredential(server, username ?? string.Empty, password ?? string.Empty, token, Text(entry, "email", where));
    }

    private static string? Text(JsonObject entry, string field, string where) => entry[field] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text.Length == 0 ? null : text,
        _ => throw new InputException($"{where}.{field} is not a string"),
    };
}
