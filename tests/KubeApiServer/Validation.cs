using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace GitOpsSecrets.Tests.KubeApiServer;

/// <summary>The API server's validation for the objects we send: names, label keys and values, Secret keys, sizes, immutability.</summary>
public static partial class Validation
{
    public const int MaxSecretSize = 1024 * 1024;
    public const int MaxAnnotationsSize = 256 * 1024;

    private const string Dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string Dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string Dns1035LabelMessage = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    public static bool IsDns1123Label(string value) => value.Length <= 63 && Dns1123Label().IsMatch(value);

    public static bool IsDns1123Subdomain(string value) => value.Length <= 253 && Dns1123Subdomain().IsMatch(value);

    public static bool IsQualifiedName(string value)
    {
        var parts = value.Split('/');
        return parts.Length switch
        {
            1 => parts[0].Length <= 63 && QualifiedNamePart().IsMatch(parts[0]),
            2 => parts[0].Length > 0 && IsDns1123Subdomain(parts[0]) && parts[1].Length <= 63 && QualifiedNamePart().IsMatch(parts[1]),
            _ => false,
        };
    }

    public static bool IsSecretKey(string key) => key.Length <= 253 && key is not ("." or "..") && SecretKey().IsMatch(key);

    /// <summary>Problems with an object about to be stored in a namespace (<paramref name="old"/> is its current version on update).</summary>
    public static void Check(ResourceType type, string? @namespace, JsonObject obj, JsonObject? old)
    {
        var causes = new List<(string Field, string Problem)>();
        var metadata = obj["metadata"] as JsonObject;
        var name = metadata?["name"]?.GetValue<string>() ?? string.Empty;
        CheckName(type, name, causes);
        CheckMap(metadata?["labels"], "metadata.labels", causes, labels: true);
        CheckMap(metadata?["annotations"], "metadata.annotations", causes, labels: false);
        if (type == ResourceTypes.Secrets)
        {
            CheckSecret(obj, old, causes);
        }
        else if (type == ResourceTypes.CoreEvents)
        {
            CheckInvolvedObject(obj, @namespace, causes);
        }

        if (type == ResourceTypes.Leases)
        {
            CheckLease(obj, causes);
        }

        if (type == ResourceTypes.Deployments || type == ResourceTypes.StatefulSets || type == ResourceTypes.DaemonSets)
        {
            CheckWorkload(obj, causes);
        }

        if (type == ResourceTypes.CoreEvents)
        {
            CheckCoreEvent(obj, causes);
        }

        if (causes.Count > 0)
        {
            throw KubeApiException.Invalid(type.Kind, name, causes);
        }
    }

    /// <summary>
    /// The real server's minimum for an apps/v1 workload: a selector and at least one container, so an
    /// apply of a pod-template annotation alone to a workload that does not exist is refused, not created.
    /// </summary>
    private static void CheckWorkload(JsonObject obj, List<(string, string)> causes)
    {
        if (obj["spec"]?["selector"] is null)
        {
            causes.Add(("spec.selector", "Required value"));
        }

        if (obj["spec"]?["template"]?["spec"]?["containers"] is not JsonArray { Count: > 0 })
        {
            causes.Add(("spec.template.spec.containers", "Required value"));
        }
    }

    /// <summary>
    /// The real server's Lease rules: MicroTime fields decode only as RFC 3339 with exactly six fractional
    /// digits (anything else is a 400 before validation) and are stored in UTC; the duration is positive
    /// and the transitions are not negative (422).
    /// </summary>
    private static void CheckLease(JsonObject obj, List<(string, string)> causes)
    {
        if (obj["spec"] is not JsonObject spec)
        {
            return;
        }

        foreach (var field in new[] { "acquireTime", "renewTime" })
        {
            if (spec[field] is JsonValue value && value.TryGetValue<string>(out var text))
            {
                spec[field] = MicroTime(field, text);
            }
        }

        if (spec["leaseDurationSeconds"] is JsonValue duration && duration.GetValue<long>() <= 0)
        {
            causes.Add(("spec.leaseDurationSeconds", $"Invalid value: {duration.GetValue<long>()}: must be greater than 0"));
        }

        if (spec["leaseTransitions"] is JsonValue transitions && transitions.GetValue<long>() < 0)
        {
            causes.Add(("spec.leaseTransitions", $"Invalid value: {transitions.GetValue<long>()}: must to greater or equal than 0"));
        }
    }

    /// <summary>A core/v1 Event lives in its object's namespace (an event about a cluster-wide object: in "default" or none).</summary>
    private static void CheckCoreEvent(JsonObject obj, List<(string, string)> causes)
    {
        var eventNamespace = obj["metadata"]?["namespace"]?.GetValue<string>() ?? string.Empty;
        var objectNamespace = obj["involvedObject"]?["namespace"]?.GetValue<string>() ?? string.Empty;
        var matches = objectNamespace.Length == 0 ? eventNamespace is "" or "default" : objectNamespace == eventNamespace;
        if (!matches)
        {
            causes.Add(("involvedObject.namespace", $"Invalid value: \"{objectNamespace}\": does not match event.namespace"));
        }
    }

    private static string MicroTime(string field, string text)
    {
        if (!MicroTimeFormat().IsMatch(text)
            || !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var time))
        {
            throw KubeApiException.BadRequest($"Lease in version \"v1\" cannot be handled as a Lease: v1.LeaseSpec.{field}: parsing time \"{text}\" as \"2006-01-02T15:04:05.000000Z07:00\"");
        }

        return time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void CheckName(ResourceType type, string name, List<(string, string)> causes)
    {
        if (name.Length == 0)
        {
            causes.Add(("metadata.name", "Required value: name or generateName is required"));
        }
        else if (type == ResourceTypes.Namespaces && !IsDns1123Label(name))
        {
            causes.Add(("metadata.name", $"Invalid value: \"{name}\": {Dns1123LabelMessage}"));
        }
        else if (type == ResourceTypes.Roles || type == ResourceTypes.RoleBindings)
        {
            // RBAC names are path segment names, as the real server checks them (ValidatePathSegmentName): "system:…" is fine.
            if (name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('%', StringComparison.Ordinal))
            {
                causes.Add(("metadata.name", $"Invalid value: \"{name}\": may not contain '/' or '%', nor be '.' or '..'"));
            }
        }
        else if (type == ResourceTypes.Services && !(name.Length <= 63 && Dns1035Label().IsMatch(name)))
        {
            causes.Add(("metadata.name", $"Invalid value: \"{name}\": {Dns1035LabelMessage}"));
        }
        else if (!IsDns1123Subdomain(name))
        {
            causes.Add(("metadata.name", $"Invalid value: \"{name}\": {Dns1123SubdomainMessage}"));
        }
    }

    private static void CheckMap(JsonNode? node, string path, List<(string, string)> causes, bool labels)
    {
        if (node is not JsonObject map)
        {
            return;
        }

        var size = 0;
        foreach (var (key, value) in map)
        {
            var text = value?.GetValue<string>() ?? string.Empty;
            size += key.Length + text.Length;
            if (!IsQualifiedName(key))
            {
                causes.Add(($"{path}", $"Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
            }
            else if (labels && !(text.Length <= 63 && LabelValue().IsMatch(text)))
            {
                causes.Add(($"{path}", $"Invalid value: \"{text}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
            }
        }

        if (!labels && size > MaxAnnotationsSize)
        {
            causes.Add((path, $"Too long: must have at most {MaxAnnotationsSize} bytes"));
        }
    }

    private static void CheckSecret(JsonObject obj, JsonObject? old, List<(string, string)> causes)
    {
        var data = obj["data"] as JsonObject ?? [];
        var total = 0L;
        foreach (var (key, value) in data)
        {
            if (!IsSecretKey(key))
            {
                causes.Add(($"data[{key}]", $"Invalid value: \"{key}\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
            }

            total += Base64Length(value?.GetValue<string>() ?? string.Empty);
        }

        if (total > MaxSecretSize)
        {
            causes.Add(("data", $"Too long: must have at most {MaxSecretSize} bytes"));
        }

        var type = obj["type"]?.GetValue<string>() ?? "Opaque";
        if (type == "kubernetes.io/tls")
        {
            foreach (var required in new[] { "tls.crt", "tls.key" }.Where(k => !data.ContainsKey(k)))
            {
                causes.Add(($"data[{required}]", "Required value"));
            }
        }

        if (old is null)
        {
            return;
        }

        if ((old["type"]?.GetValue<string>() ?? "Opaque") != type)
        {
            causes.Add(("type", $"Invalid value: \"{type}\": field is immutable"));
        }

        if (old["immutable"]?.GetValue<bool>() == true)
        {
            if (obj["immutable"]?.GetValue<bool>() != true)
            {
                causes.Add(("immutable", "Forbidden: field is immutable when `immutable` is set"));
            }

            if (!JsonNode.DeepEquals(old["data"] ?? new JsonObject(), obj["data"] ?? new JsonObject()))
            {
                causes.Add(("data", "Forbidden: field is immutable when `immutable` is set"));
            }
        }
    }

    /// <summary>
    /// A core/v1 Event lives in its object's namespace: the real server refuses an involvedObject in another
    /// one, and an involvedObject without a namespace outside "default" (legacyValidateEvent).
    /// </summary>
    private static void CheckInvolvedObject(JsonObject obj, string? @namespace, List<(string, string)> causes)
    {
        var involved = obj["involvedObject"]?["namespace"]?.GetValue<string>() ?? string.Empty;
        var matches = involved.Length == 0 ? @namespace is null or "" or "default" : involved == @namespace;
        if (!matches)
        {
            causes.Add(("involvedObject.namespace", $"Invalid value: \"{involved}\": does not match event.namespace"));
        }
    }

    private static long Base64Length(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64).LongLength;
        }
        catch (FormatException)
        {
            throw KubeApiException.BadRequest("illegal base64 data in Secret data");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex MicroTimeFormat();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex SecretKey();
}
