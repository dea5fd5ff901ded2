using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using YamlDotNet.RepresentationModel;

namespace GitOpsSecrets.Tests.KubeApiServer;

/// <summary>Turns an HTTP request into the API server's terms: verb, resource, namespace, name, subresource.</summary>
internal static class RequestParser
{
    public const string ApplyPatch = "application/apply-patch+yaml";
    public const string MergePatchJson = "application/merge-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";
    public const string JsonPatch = "application/json-patch+json";

    public static KubeRequest Parse(HttpRequest request, string body)
    {
        var segments = request.Path.Value!.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        string group;
        string version;
        string[] rest;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            (group, version, rest) = (string.Empty, segments[1], segments[2..]);
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], segments[3..]);
        }
        else
        {
            return Make(request, body, "unknown", null, null, null, null);
        }

        string? @namespace = null;
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            @namespace = rest[1];
            rest = rest[2..];
        }
        else if (rest.Length == 2 && rest[0] == "namespaces" && group.Length == 0)
        {
            // /api/v1/namespaces/NAME is the namespace itself.
            return Make(request, body, Verb(request, true), ResourceTypes.Namespaces, null, rest[1], null);
        }

        if (rest.Length == 0)
        {
            return Make(request, body, "unknown", null, @namespace, null, null);
        }

        var type = ResourceTypes.Find(group, version, rest[0]);
        var name = rest.Length > 1 ? rest[1] : null;
        var subresource = rest.Length > 2 ? string.Join('/', rest[2..]) : null;
        return Make(request, body, Verb(request, name is not null), type, @namespace, name, subresource);
    }

    public static JsonObject ReadBody(KubeRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Body))
        {
            throw KubeApiException.BadRequest("the request body is empty");
        }

        try
        {
            return JsonNode.Parse(request.Body) as JsonObject ?? throw KubeApiException.BadRequest("the request body is not an object");
        }
        catch (JsonException) when (request.ContentType?.Contains("yaml", StringComparison.Ordinal) == true)
        {
            return YamlToJson(request.Body);
        }
        catch (JsonException e)
        {
            throw KubeApiException.BadRequest($"the body of the request could not be decoded: {e.Message}");
        }
    }

    private static KubeRequest Make(HttpRequest request, string body, string verb, ResourceType? type, string? @namespace, string? name, string? subresource) =>
        new(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? string.Empty, verb, type, @namespace, name, subresource,
            request.ContentType?.Split(';')[0].Trim(), body, request.Headers.UserAgent.ToString());

    private static string Verb(HttpRequest request, bool hasName) => request.Method switch
    {
        "GET" when !hasName && request.Query["watch"] is ["true" or "1"] => "watch",
        "GET" => hasName ? "get" : "list",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => request.ContentType?.StartsWith(ApplyPatch, StringComparison.Ordinal) == true ? "apply" : "patch",
        "DELETE" => hasName ? "delete" : "deletecollection",
        _ => "unknown",
    };

    private static JsonObject YamlToJson(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return Convert(stream.Documents[0].RootNode) as JsonObject ?? throw KubeApiException.BadRequest("the request body is not an object");
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw KubeApiException.BadRequest($"error converting YAML to JSON: {e.Message}");
        }
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? string.Empty, Convert(p.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(Convert).ToArray()),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar => scalar.Value switch
        {
            null or "null" or "~" or "" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            var v when long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
            var v => JsonValue.Create(v),
        },
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };
}
