using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOpsSecrets.IO;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Secrets;

/// <summary>One Secret of a spec file, built, with its sealing scope ("strict", "namespace-wide", "cluster-wide") and where it came from.</summary>
public sealed record SpecSecret(Secret Secret, string Scope, string Origin);

/// <summary>
/// Reads a <c>generate-secrets</c> spec: a list of Secrets (top level, or under <c>secrets:</c>), each with
/// name, namespace, type, scope, labels, annotations and per-key sources in <c>data</c>:
/// <c>{file: PATH}</c> (relative to the spec), <c>{env: NAME}</c>, <c>{literal: TEXT}</c> or
/// <c>{generate: {length: N, alphabet: alphanumeric|hex|base64, chars: CUSTOM}}</c>. Errors name the
/// spec file and line, the entry and the key, never a value.
/// </summary>
public static class SecretSpecReader
{
    public static readonly IReadOnlyList<string> Scopes = ["strict", "namespace-wide", "cluster-wide"];

    public static IReadOnlyList<SpecSecret> Read(string path, Func<string, string?> environment)
    {
        if (!File.Exists(path))
        {
            throw new InputException($"{path}: no such spec file");
        }

        var document = ManifestReader.ReadSingle(BoundedInput.ReadFile(path), path);
        var entries = document.Root switch
        {
            JsonArray list => list,
            JsonObject { } root when root["secrets"] is JsonArray list => list,
            _ => throw document.Error(document.Root, "a spec is a list of Secrets, or a mapping with a 'secrets:' list"),
        };

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var result = new List<SpecSecret>();
        for (var i = 0; i < entries.Count; i++)
        {
            result.Add(ReadEntry(document, entries[i], $"secrets[{i}]", directory, environment));
        }

        return result;
    }

    private static SpecSecret ReadEntry(ManifestDocument document, JsonNode? node, string where, string directory, Func<string, string?> environment)
    {
        var fields = new NodeFields(document);
        if (node is not JsonObject entry)
        {
            throw document.Error(node, $"{where}: must be a mapping");
        }

        var name = fields.OptionalString(entry, "name", $"{where}.name") ?? throw document.Error(entry, $"{where}: name is required");
        var @namespace = fields.OptionalString(entry, "namespace", $"{where}.namespace");
        where = $"{where} ({(@namespace is null ? name : $"{@namespace}/{name}")})";
        var scope = fields.OptionalString(entry, "scope", $"{where}.scope") ?? "strict";
        if (!Scopes.Contains(scope))
        {
            throw document.Error(entry["scope"], $"{where}: scope \"{scope}\" is not strict, namespace-wide or cluster-wide");
        }

        var builder = new SecretBuilder(name, @namespace, fields.OptionalString(entry, "type", $"{where}.type"));
        var data = fields.OptionalObject(entry, "data", $"{where}.data");
        if (data is null || data.Count == 0)
        {
            throw document.Error(entry, $"{where}: data is required (one source per key)");
        }

        foreach (var (key, source) in data.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var origin = $"{document.LocationOf(source)}: {where}: data.{key}";
            builder.Add(key, ReadSource(document, source, origin, directory, environment), origin);
        }

        var secret = builder.Build();
        foreach (var (label, value) in fields.StringMap(entry, "labels", $"{where}.labels"))
        {
            secret.Metadata.Labels[label] = value;
        }

        foreach (var (annotation, value) in fields.StringMap(entry, "annotations", $"{where}.annotations"))
        {
            secret.Metadata.Annotations[annotation] = value;
        }

        return new SpecSecret(secret, scope, $"{document.LocationOf(entry)}: {where}");
    }

    private static byte[] ReadSource(ManifestDocument document, JsonNode? node, string origin, string directory, Func<string, string?> environment)
    {
        if (node is not JsonObject source || source.Count != 1)
        {
            throw new InputException($"{origin}: give exactly one source: file, env, literal or generate");
        }

        var (kind, value) = source.First();
        switch (kind)
        {
            case "file":
                var file = Path.Combine(directory, Text(value, origin, "file"));
                return File.Exists(file) ? BoundedInput.ReadFile(file) : throw new InputException($"{origin}: file {file}: no such file");
            case "env":
                var variable = Text(value, origin, "env");
                return environment(variable) is { } env ? Encoding.UTF8.GetBytes(env) : throw new InputException($"{origin}: environment variable {variable} is not set");
            case "literal":
                return Encoding.UTF8.GetBytes(Text(value, origin, "literal"));
            case "generate":
                return Encoding.UTF8.GetBytes(Generate(value, origin));
            default:
                throw new InputException($"{origin}: unknown source \"{kind}\" (file, env, literal or generate)");
        }
    }

    private static string Generate(JsonNode? node, string origin)
    {
        var options = node as JsonObject ?? [];
        var length = options["length"] switch
        {
            null => 32,
            JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) && n is > 0 and <= 65536 => (int)n,
            _ => throw new InputException($"{origin}: generate.length must be a whole number from 1 to 65536"),
        };
        var chars = options["chars"] is { } custom ? Text(custom, origin, "generate.chars") : null;
        var alphabetName = options["alphabet"] is { } alphabet ? Text(alphabet, origin, "generate.alphabet") : chars is null ? "alphanumeric" : "custom";
        var characters = alphabetName == "custom"
            ? chars ?? throw new InputException($"{origin}: generate.alphabet custom needs generate.chars")
            : RandomValues.Named(alphabetName) ?? throw new InputException($"{origin}: generate.alphabet \"{alphabetName}\" is not alphanumeric, hex, base64 or custom");
        if (characters.Distinct().Count() < 2)
        {
            throw new InputException($"{origin}: generate.chars needs at least two different characters");
        }

        return RandomValues.Generate(length, characters);
    }

    private static string Text(JsonNode? node, string origin, string field) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw new InputException($"{origin}: {field} must be a string");
}
