using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Secrets;

namespace GitOpsSecrets.Sharing;

/// <summary>
/// Reads a SharedSecret from a manifest document, validating every field on the way (one error naming
/// file, document and field), and writes one back in the same shape.
/// </summary>
public static class SharedSecretManifest
{
    public static bool IsSharedSecret(ManifestDocument document) =>
        document.Kind == SharedSecret.Kind && document.ApiVersion?.StartsWith("gitops-secrets.io/", StringComparison.Ordinal) == true;

    /// <summary>
    /// The SharedSecret in the document. Team names are not resolved here (teams live in other
    /// documents); <see cref="SharingValidator"/> checks them once every Team is known.
    /// </summary>
    public static SharedSecret Read(ManifestDocument document)
    {
        var fields = new NodeFields(document);
        var root = fields.RootObject(SharedSecret.Kind);
        if (fields.OptionalString(root, "kind", "kind") != SharedSecret.Kind || fields.OptionalString(root, "apiVersion", "apiVersion") != SharedSecret.ApiVersion)
        {
            throw document.Error(root, $"expected apiVersion {SharedSecret.ApiVersion}, kind {SharedSecret.Kind}");
        }

        var spec = fields.OptionalObject(root, "spec", "spec") ?? throw document.Error(root, "spec is required");
        fields.OnlyKnown(spec, "spec", "encryptedData", "template", "access", "distribute", "imagePull");
        var sealedParts = SealedSecretManifest.ReadSealedParts(fields, root);
        if (string.IsNullOrEmpty(sealedParts.Metadata.Namespace))
        {
            throw document.Error(root, "metadata.namespace is required: it is the home namespace the secret is sealed for");
        }

        if (!KubernetesNames.IsValidSecretName(sealedParts.Metadata.Name))
        {
            throw document.Error(root["metadata"], "metadata.name must be a DNS subdomain (lower case alphanumeric, '-' or '.')");
        }

        if (!KubernetesNames.IsValidNamespace(sealedParts.Metadata.Namespace))
        {
            throw document.Error(root["metadata"], "metadata.namespace must be a DNS label (lower case alphanumeric or '-')");
        }

        var shared = new SharedSecret
        {
            Sealed = sealedParts,
            Access = ReadAccess(fields, spec),
            Distribute = ReadDistribution(fields, spec),
            ImagePull = ReadImagePull(fields, spec),
        };
        if (shared.ImagePull is not null && shared.Type != SecretTypes.DockerConfigJson)
        {
            throw document.Error(spec["imagePull"], $"spec.imagePull needs spec.template.type {SecretTypes.DockerConfigJson}, found {shared.Type ?? SecretTypes.Opaque}");
        }

        return shared;
    }

    private static List<AccessRule> ReadAccess(NodeFields fields, JsonObject spec)
    {
        var rules = new List<AccessRule>();
        var index = 0;
        foreach (var item in fields.OptionalArray(spec, "access", "spec.access") ?? [])
        {
            var path = $"spec.access[{index}]";
            var entry = fields.ObjectItem(item, spec["access"], path);
            fields.OnlyKnown(entry, path, "verbs", "users", "teams", "groups", "serviceAccounts");
            var verbs = fields.StringList(entry, "verbs", $"{path}.verbs");
            if (verbs.Count == 0)
            {
                throw fields.Document.Error(entry, $"{path}.verbs is required: one or more of {string.Join(", ", AccessRule.AllowedVerbs)}");
            }

            for (var v = 0; v < verbs.Count; v++)
            {
                if (!AccessRule.AllowedVerbs.Contains(verbs[v], StringComparer.Ordinal))
                {
                    throw fields.Document.Error(entry["verbs"]?[v], $"{path}.verbs[{v}]: unknown verb \"{verbs[v]}\" (expected {string.Join(", ", AccessRule.AllowedVerbs)})");
                }
            }

            var rule = new AccessRule
            {
                Verbs = verbs.Distinct(StringComparer.Ordinal).ToList(),
                Users = fields.StringList(entry, "users", $"{path}.users"),
                Teams = fields.StringList(entry, "teams", $"{path}.teams"),
                Groups = fields.StringList(entry, "groups", $"{path}.groups"),
                ServiceAccounts = ReadServiceAccounts(fields, entry, $"{path}.serviceAccounts"),
            };
            if (rule.NamesNoSubject)
            {
                throw fields.Document.Error(entry, $"{path} names nobody: give users, teams, groups or serviceAccounts");
            }

            rules.Add(rule);
            index++;
        }

        return rules;
    }

    private static List<ServiceAccountRef> ReadServiceAccounts(NodeFields fields, JsonObject entry, string path)
    {
        var accounts = new List<ServiceAccountRef>();
        var names = fields.StringList(entry, "serviceAccounts", path);
        for (var i = 0; i < names.Count; i++)
        {
            var parts = names[i].Split('/');
            if (parts.Length != 2 || !KubernetesNames.IsValidNamespace(parts[0]) || !KubernetesNames.IsValidSecretName(parts[1]))
            {
                throw fields.Document.Error(entry["serviceAccounts"]?[i], $"{path}[{i}] must be namespace/name (a service account, e.g. payments/deployer)");
            }

            accounts.Add(new ServiceAccountRef(parts[0], parts[1]));
        }

        return accounts;
    }

    private static Distribution ReadDistribution(NodeFields fields, JsonObject spec)
    {
        var distribute = fields.OptionalObject(spec, "distribute", "spec.distribute");
        if (distribute is null)
        {
            return new Distribution();
        }

        fields.OnlyKnown(distribute, "spec.distribute", "namespaces", "namespaceSelector", "targets");
        var namespaces = fields.StringList(distribute, "namespaces", "spec.distribute.namespaces");
        for (var i = 0; i < namespaces.Count; i++)
        {
            if (!KubernetesNames.IsValidNamespace(namespaces[i]))
            {
                throw fields.Document.Error(distribute["namespaces"]?[i], $"spec.distribute.namespaces[{i}] must be a namespace name (a DNS label)");
            }
        }

        return new Distribution
        {
            Namespaces = namespaces.Distinct(StringComparer.Ordinal).ToList(),
            NamespaceSelector = ReadSelector(fields, distribute),
            Targets = fields.StringList(distribute, "targets", "spec.distribute.targets").Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    private static LabelSelector? ReadSelector(NodeFields fields, JsonObject distribute)
    {
        const string path = "spec.distribute.namespaceSelector";
        var selector = fields.OptionalObject(distribute, "namespaceSelector", path);
        if (selector is null)
        {
            return null;
        }

        fields.OnlyKnown(selector, path, "matchLabels", "matchExpressions");
        var matchLabels = fields.StringMap(selector, "matchLabels", $"{path}.matchLabels");
        foreach (var (key, value) in matchLabels)
        {
            var node = selector["matchLabels"]?[key];
            if (LabelSyntax.KeyError(key) is { } keyError)
            {
                throw fields.Document.Error(node, $"{path}.matchLabels: invalid label key \"{key}\": {keyError}");
            }

            if (LabelSyntax.ValueError(value) is { } valueError)
            {
                throw fields.Document.Error(node, $"{path}.matchLabels.{key}: invalid label value: {valueError}");
            }
        }

        var expressions = new List<LabelRequirement>();
        var index = 0;
        foreach (var item in fields.OptionalArray(selector, "matchExpressions", $"{path}.matchExpressions") ?? [])
        {
            expressions.Add(ReadRequirement(fields, item, selector["matchExpressions"], $"{path}.matchExpressions[{index}]"));
            index++;
        }

        return new LabelSelector { MatchLabels = matchLabels, MatchExpressions = expressions };
    }

    private static LabelRequirement ReadRequirement(NodeFields fields, JsonNode? item, JsonNode? parent, string path)
    {
        var expression = fields.ObjectItem(item, parent, path);
        fields.OnlyKnown(expression, path, "key", "operator", "values");
        var key = fields.OptionalString(expression, "key", $"{path}.key") ?? throw fields.Document.Error(expression, $"{path}.key is required");
        if (LabelSyntax.KeyError(key) is { } keyError)
        {
            throw fields.Document.Error(expression["key"], $"{path}.key: invalid label key \"{key}\": {keyError}");
        }

        var op = fields.OptionalString(expression, "operator", $"{path}.operator") ?? throw fields.Document.Error(expression, $"{path}.operator is required");
        if (!LabelRequirement.Operators.Contains(op, StringComparer.Ordinal))
        {
            throw fields.Document.Error(expression["operator"], $"{path}.operator: unknown operator \"{op}\" (expected {string.Join(", ", LabelRequirement.Operators)})");
        }

        var values = expression["values"] is null ? [] : ReadValues(fields, expression, path);
        if (op is LabelRequirement.In or LabelRequirement.NotIn && values.Count == 0)
        {
            throw fields.Document.Error(expression, $"{path}.values must be non-empty for operator {op}");
        }

        if (op is LabelRequirement.Exists or LabelRequirement.DoesNotExist && values.Count > 0)
        {
            throw fields.Document.Error(expression["values"], $"{path}.values must be empty for operator {op}");
        }

        return new LabelRequirement(key, op, values);
    }

    private static List<string> ReadValues(NodeFields fields, JsonObject expression, string path)
    {
        var values = new List<string>();
        var index = 0;
        foreach (var item in fields.OptionalArray(expression, "values", $"{path}.values") ?? [])
        {
            // A label value may be empty, so this list is read without StringList's non-empty rule.
            var value = item is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw fields.Document.Error(item ?? expression["values"], $"{path}.values[{index}] must be a string");
            if (LabelSyntax.ValueError(value) is { } error)
            {
                throw fields.Document.Error(item, $"{path}.values[{index}]: {error}");
            }

            values.Add(value);
            index++;
        }

        return values;
    }

    private static ImagePull? ReadImagePull(NodeFields fields, JsonObject spec)
    {
        var imagePull = fields.OptionalObject(spec, "imagePull", "spec.imagePull");
        if (imagePull is null)
        {
            return null;
        }

        fields.OnlyKnown(imagePull, "spec.imagePull", "serviceAccounts");
        var names = fields.StringList(imagePull, "serviceAccounts", "spec.imagePull.serviceAccounts");
        if (names.Count == 0)
        {
            throw fields.Document.Error(imagePull, "spec.imagePull.serviceAccounts is required: service account names, or \"*\" for all");
        }

        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] != ImagePull.AllServiceAccounts && !KubernetesNames.IsValidSecretName(names[i]))
            {
                throw fields.Document.Error(imagePull["serviceAccounts"]?[i], $"spec.imagePull.serviceAccounts[{i}] must be a service account name (in each namespace the secret lands in) or \"*\"");
            }
        }

        return new ImagePull { ServiceAccounts = names.Distinct(StringComparer.Ordinal).ToList() };
    }

    /// <summary>The SharedSecret as written to a file: the SealedSecret's shape with our kind and the sharing fields after it.</summary>
    public static JsonObject ToNode(SharedSecret shared)
    {
        var node = SealedSecretManifest.ToNode(shared.Sealed);
        node["kind"] = SharedSecret.Kind;
        node["apiVersion"] = SharedSecret.ApiVersion;
        var spec = (JsonObject)node["spec"]!;
        if (shared.Access.Count > 0)
        {
            spec["access"] = new JsonArray(shared.Access.Select(AccessNode).ToArray<JsonNode?>());
        }

        if (DistributionNode(shared.Distribute) is { } distribute)
        {
            spec["distribute"] = distribute;
        }

        if (shared.ImagePull is { } imagePull)
        {
            spec["imagePull"] = new JsonObject { ["serviceAccounts"] = StringArray(imagePull.ServiceAccounts) };
        }

        return node;
    }

    private static JsonObject AccessNode(AccessRule rule)
    {
        var node = new JsonObject { ["verbs"] = StringArray(rule.Verbs) };
        AddIfAny(node, "users", rule.Users);
        AddIfAny(node, "teams", rule.Teams);
        AddIfAny(node, "groups", rule.Groups);
        AddIfAny(node, "serviceAccounts", rule.ServiceAccounts.Select(s => s.ToString()).ToList());
        return node;
    }

    private static JsonObject? DistributionNode(Distribution distribution)
    {
        var node = new JsonObject();
        AddIfAny(node, "namespaces", distribution.Namespaces);
        if (distribution.NamespaceSelector is { } selector)
        {
            var selectorNode = new JsonObject();
            if (selector.MatchLabels.Count > 0)
            {
                selectorNode["matchLabels"] = SecretManifest.StringMapNode(selector.MatchLabels);
            }

            if (selector.MatchExpressions.Count > 0)
            {
                selectorNode["matchExpressions"] = new JsonArray(selector.MatchExpressions.Select(RequirementNode).ToArray<JsonNode?>());
            }

            node["namespaceSelector"] = selectorNode;
        }

        AddIfAny(node, "targets", distribution.Targets);
        return node.Count == 0 ? null : node;
    }

    private static JsonObject RequirementNode(LabelRequirement requirement)
    {
        var node = new JsonObject { ["key"] = requirement.Key, ["operator"] = requirement.Operator };
        AddIfAny(node, "values", requirement.Values);
        return node;
    }

    private static void AddIfAny(JsonObject node, string key, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            node[key] = StringArray(values);
        }
    }

    private static JsonArray StringArray(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
