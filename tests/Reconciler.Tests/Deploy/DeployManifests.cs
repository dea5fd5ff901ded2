using System.Text.Json.Nodes;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Deploy;

/// <summary>Every object under deploy/, read with the product's manifest reader, with small helpers to walk them.</summary>
public static class DeployManifests
{
    public const string Namespace = "gitops-secrets";

    /// <summary>The manifest files kustomize applies (every deploy/*.yaml except the kustomization itself).</summary>
    public static IReadOnlyList<string> Files { get; } = Directory.GetFiles(RepositoryFiles.Path("deploy"), "*.yaml")
        .Select(Path.GetFileName)
        .Where(name => name != "kustomization.yaml")
        .Order(StringComparer.Ordinal)
        .ToList()!;

    public static IReadOnlyList<(string File, JsonObject Object)> Objects { get; } = Files
        .SelectMany(file => RepositoryFiles.Documents($"deploy/{file}").Select(o => (file, o)))
        .ToList();

    public static JsonObject Single(string kind, string? name = null)
    {
        var matches = Objects.Where(o => o.Object.Str("kind") == kind && (name is null || o.Object.Str("metadata.name") == name)).ToList();
        matches.Count.ShouldBe(1, $"deploy/ must hold exactly one {kind}{(name is null ? string.Empty : $" named {name}")}");
        return matches[0].Object;
    }

    public static JsonObject Deployment => Single("Deployment");

    public static JsonObject PodSpec => Deployment.Obj("spec.template.spec");

    public static JsonObject Container => PodSpec.Arr("containers").Single().ShouldBeOfType<JsonObject>();

    /// <summary>The worker configuration file held by the ConfigMap the Deployment mounts.</summary>
    public static string ConfigMapConfig(out string mountedAt)
    {
        var configVolume = PodSpec.Arr("volumes").OfType<JsonObject>().Single(v => v["configMap"] is not null);
        var configMap = Single("ConfigMap", configVolume.Str("configMap.name"));
        var mount = Container.Arr("volumeMounts").OfType<JsonObject>().Single(m => m.Str("name") == configVolume.Str("name"));
        var data = configMap.Obj("data");
        var key = data.ShouldHaveSingleItem("the ConfigMap holds one file: the configuration").Key;
        mountedAt = $"{mount.Str("mountPath")}/{key}";
        return data[key]!.GetValue<string>();
    }
}

/// <summary>Dotted-path access into JSON nodes for readable manifest assertions.</summary>
public static class JsonPaths
{
    public static JsonNode? At(this JsonNode node, string path)
    {
        JsonNode? current = node;
        foreach (var part in path.Split('.'))
        {
            current = current is JsonObject o ? o[part] : null;
        }

        return current;
    }

    public static string? Str(this JsonNode node, string path) => node.At(path) switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    public static JsonObject Obj(this JsonNode node, string path) =>
        node.At(path) as JsonObject ?? throw new ShouldAssertException($"{path} must be a mapping");

    public static JsonArray Arr(this JsonNode node, string path) =>
        node.At(path) as JsonArray ?? throw new ShouldAssertException($"{path} must be a list");

    public static List<string> Strings(this JsonNode node, string path) =>
        node.At(path) is JsonArray array ? array.Select(i => i?.ToString() ?? string.Empty).ToList() : [];
}
