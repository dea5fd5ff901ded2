using System.Globalization;
using System.Text;
using CsCheck;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Hostile;

/// <summary>One generated hostile file: which family made it, and its bytes.</summary>
public sealed record HostileCase(string Family, byte[] Content)
{
    /// <summary>What a failing case prints (beside CsCheck's seed): the family, the size, and the start of the text, escaped.</summary>
    public override string ToString()
    {
        var head = Encoding.UTF8.GetString(Content, 0, Math.Min(Content.Length, 300));
        var escaped = new StringBuilder();
        foreach (var c in head)
        {
            escaped.Append(c is '\n' ? "\\n" : char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return $"{Family} ({Content.Length} bytes): {escaped}";
    }
}

/// <summary>
/// Generators of hostile manifests (CsCheck): alias bombs of several shapes and placements, deep
/// nesting (flow, block, JSON; closed and unclosed), huge scalars, many keys and documents, invalid
/// base64, names and UTF-8, Lists, and random mutations of a valid SealedSecret. Every case carries
/// planted values that must never reach any output.
/// </summary>
public static class HostileManifests
{
    /// <summary>Plaintext of the victim SealedSecret: it must never appear in any output.</summary>
    public const string VictimPassword = "planted-victim-password-4f1d";

    public const string VictimToken = "planted-victim-token-c2a9";

    /// <summary>A plaintext value written into hostile documents themselves (a plain Secret's stringData and data).</summary>
    public const string RawPlanted = "planted-raw-value-88e3";

    public const string VictimNamespace = "victims";

    public const string VictimName = "victim";

    private static readonly Lazy<string> VictimText = new(() =>
    {
        using var sealer = new TestSealer();
        return sealer.Yaml(VictimNamespace, VictimName, new Dictionary<string, string> { ["password"] = VictimPassword, ["token"] = VictimToken });
    });

    private static readonly string[] Indicators =
        ["&a ", "*a", "[", "{", "]", "}", ": ", "- ", "|", ">", "!!binary ", "<<: ", "---\n", "...\n", "? ", "\t", "%YAML 1.1\n", "\"", "'", "#", "*", "&", "!", "\n  ", "\n- ", ",", "\r", "\0"];

    private static readonly byte[][] InvalidUtf8 =
        [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x28, 0x8C, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]];

    /// <summary>The victim SealedSecret as kubeseal writes it, sealed to the test vector key.</summary>
    public static string Victim => VictimText.Value;

    public static Gen<HostileCase> All { get; } = Gen.Frequency(
        (3, AliasBombs()),
        (1, LargeScalarReferences()),
        (3, DeepNesting()),
        (1, HugeScalars()),
        (1, ManyKeys()),
        (1, ManyDocuments()),
        (2, InvalidBase64()),
        (2, InvalidNames()),
        (2, InvalidUtf8Bytes()),
        (1, Lists()),
        (4, Mutations()));

    private static HostileCase Case(string family, string text) => new(family, Encoding.UTF8.GetBytes(text));

    /// <summary>A plain Secret with the raw planted value, next to the hostile document: its value must not leak either.</summary>
    private static string PlantedSecret =>
        $"apiVersion: v1\nkind: Secret\nmetadata: {{name: raw, namespace: raw}}\nstringData: {{password: {RawPlanted}}}\ndata: {{token: {Convert.ToBase64String(Encoding.UTF8.GetBytes(RawPlanted))}}}\n---\n";

    private static Gen<HostileCase> AliasBombs() =>
        Gen.Select(Gen.Int[2, 9], Gen.Int[2, 12], Gen.Int[0, 6], Gen.Bool, (levels, fanout, placement, mappings) =>
        {
            string Levels(string indent)
            {
                var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{indent}l0: &l0 {(mappings ? "{a: lol, b: lol}" : "[lol, lol]")}\n");
                for (var i = 1; i <= levels; i++)
                {
                    var refs = Enumerable.Range(0, fanout).Select(k => mappings ? $"k{k}: *l{i - 1}" : $"*l{i - 1}");
                    text.Append(CultureInfo.InvariantCulture, $"{indent}l{i}: &l{i} {(mappings ? "{" : "[")}{string.Join(", ", refs)}{(mappings ? "}" : "]")}\n");
                }

                return text.ToString();
            }

            var skeleton = $"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: hostile\n  namespace: {VictimNamespace}\n";
            var text = placement switch
            {
                0 => "apiVersion: v1\nkind: ConfigMap\ndata:\n" + Levels("  "),
                1 => skeleton + "spec:\n  encryptedData:\n" + Levels("    "),
                2 => skeleton + "  annotations:\n" + Levels("    ") + "spec:\n  encryptedData: {}\n",
                3 => skeleton + "spec:\n  template:\n    metadata:\n      labels:\n" + Levels("        "),
                4 => "anchors:\n" + Levels("  ") + $"keys:\n  ? *l{levels}\n  : value\n",
                5 => "- " + string.Join("- ", Levels(string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "{" + l + "}\n")),
                _ => $"base: &base {{a: 1}}\n" + Levels(string.Empty) + $"merged: {{<<: [*l{levels}]}}\n",
            };
            return Case($"alias bomb (levels {levels}, fanout {fanout}, placement {placement}, {(mappings ? "mappings" : "sequences")})", PlantedSecret + text);
        });

    private static Gen<HostileCase> LargeScalarReferences() =>
        Gen.Select(Gen.Int[1_000, 300_000], Gen.Int[10, 3_000], (size, references) =>
            Case($"large scalar ({size} chars) referenced {references} times", $"big: &big {new string('x', size)}\nrefs: [{string.Join(",", Enumerable.Repeat("*big", references))}]\n"));

    private static Gen<HostileCase> DeepNesting() =>
        Gen.Select(Gen.Int[0, 5], Gen.OneOf(50, 99, 100, 101, 1_000, 50_000, 100_000), Gen.Bool, (shape, depth, closed) =>
        {
            string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));
            var text = shape switch
            {
                0 => Repeat("[", depth) + (closed ? Repeat("]", depth) : string.Empty),
                1 => Repeat("{a: ", depth) + (closed ? "x" + Repeat("}", depth) : string.Empty),
                2 => Repeat("[{\"a\": ", depth) + (closed ? "1" + Repeat("}]", depth) : string.Empty),
                3 => Repeat("- ", depth) + "x",
                4 => string.Concat(Enumerable.Range(0, Math.Min(depth, 400)).Select(i => new string(' ', 2 * i) + "a:\n")) + (closed ? new string(' ', 2 * Math.Min(depth, 400)) + "x\n" : string.Empty),
                _ => $"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {{name: deep, namespace: {VictimNamespace}}}\nspec:\n  encryptedData:\n    password: " + Repeat("[", depth) + (closed ? Repeat("]", depth) : string.Empty),
            };
            return Case($"deep nesting (shape {shape}, depth {depth}, {(closed ? "closed" : "unclosed")})", PlantedSecret + text + "\n");
        });

    private static Gen<HostileCase> HugeScalars() =>
        Gen.Select(Gen.Int[1, 1024 * 1024], Gen.Int[0, 2], (extra, style) =>
        {
            var value = new string('A', (2 * 1024 * 1024) + extra);
            var scalar = style switch
            {
                0 => value,
                1 => "\"" + value + "\"",
                _ => "|\n      " + value,
            };
            return Case($"huge scalar ({value.Length} chars, style {style})", Victim.Replace("  encryptedData:\n", $"  encryptedData:\n    huge: {scalar}\n", StringComparison.Ordinal));
        });

    private static Gen<HostileCase> ManyKeys() =>
        Gen.Int[10_001, 11_000].Select(count =>
            Case($"{count} keys in one mapping", Victim.Replace("metadata:\n", "metadata:\n  annotations:\n" + string.Concat(Enumerable.Range(0, count).Select(i => $"    k{i}: v\n")), StringComparison.Ordinal)));

    private static Gen<HostileCase> ManyDocuments() =>
        Gen.Select(Gen.Int[10_001, 10_500], Gen.Bool, (count, empty) =>
            Case($"{count} {(empty ? "empty " : string.Empty)}documents", Victim + "---\n" + string.Concat(Enumerable.Repeat(empty ? "---\n" : "a: 1\n---\n", count))));

    private static Gen<HostileCase> InvalidBase64() =>
        Gen.Select(Gen.Int[0, 7], Gen.Double[0, 1], (variant, where) =>
        {
            var line = Victim.Split('\n').First(l => l.TrimStart().StartsWith("password:", StringComparison.Ordinal));
            var value = line[(line.IndexOf(':', StringComparison.Ordinal) + 2)..];
            var at = Math.Clamp((int)(where * value.Length), 1, value.Length - 3);
            var broken = variant switch
            {
                0 => value.Insert(at, " "),
                1 => value.Insert(at, "\t"),
                2 => value.TrimEnd('='),
                3 => value.Insert(at, "="),
                4 => value + "AAAA====",
                5 => value[..at] + "!" + value[(at + 1)..],
                6 => "\"" + value.Insert(at, "\\n") + "\"",
                _ => value[..at],
            };
            return Case($"invalid base64 (variant {variant})", Victim.Replace(line, line.Replace(value, broken, StringComparison.Ordinal), StringComparison.Ordinal));
        });

    private static Gen<HostileCase> InvalidNames() =>
        Gen.Select(Gen.Int[0, 2], Gen.OneOf(
            new string('a', 64), new string('a', 254), "Upper", "under_score", "-lead", "trail-", "a..b", "a/b", "..", ".", "\"\"", "\"a b\"", "ünï", "a.b." + new string('c', 250)),
            (field, name) => field switch
            {
                0 => Case($"invalid name {name}", Victim.Replace($"name: {VictimName}", $"name: {name}", StringComparison.Ordinal)),
                1 => Case($"invalid namespace {name}", Victim.Replace($"namespace: {VictimNamespace}", $"namespace: {name}", StringComparison.Ordinal)),
                _ => Case($"invalid data key {name}", Victim.Replace("    password:", $"    {name}:", StringComparison.Ordinal)),
            });

    private static Gen<HostileCase> InvalidUtf8Bytes() =>
        Gen.Select(Gen.Int[0, InvalidUtf8.Length - 1], Gen.Double[0, 1], (which, where) =>
        {
            var bytes = Encoding.UTF8.GetBytes(Victim);
            var at = (int)(where * bytes.Length);
            return new HostileCase($"invalid UTF-8 {Convert.ToHexString(InvalidUtf8[which])} at byte {at}", [.. bytes[..at], .. InvalidUtf8[which], .. bytes[at..]]);
        });

    private static Gen<HostileCase> Lists() =>
        Gen.Select(Gen.Int[0, 3], Gen.Int[1, 4], (variant, count) =>
        {
            var item = "- " + Victim.TrimEnd('\n').Replace("\n", "\n  ", StringComparison.Ordinal) + "\n";
            var items = variant switch
            {
                0 => item + string.Concat(Enumerable.Repeat("- {kind: ConfigMap, apiVersion: v1}\n", count)),
                1 => string.Concat(Enumerable.Repeat(item, count + 1)),
                2 => "  not-a-list\n",
                _ => item + "- " + "[" + string.Concat(Enumerable.Repeat("[", 1000 * count)) + "\n",
            };
            return Case($"kind: List (variant {variant}, {count})", $"apiVersion: v1\nkind: List\nmetadata: {{resourceVersion: \"\"}}\nitems:\n{items}");
        });

    private static Gen<HostileCase> Mutations() =>
        Gen.Select(Gen.Int[0, 5], Gen.Double[0, 1], Gen.Double[0, 1], Gen.Int[0, Indicators.Length - 1]).Array[1, 8].Select(operations =>
        {
            var text = Victim;
            foreach (var (kind, a, b, indicator) in operations)
            {
                var i = (int)(a * text.Length);
                var j = Math.Min(text.Length, i + 1 + (int)(b * 40));
                var lines = text.Split('\n');
                text = kind switch
                {
                    0 => text.Insert(i, Indicators[indicator]),
                    1 => text.Remove(i, j - i),
                    2 => string.Join('\n', lines.Take(1 + (int)(b * lines.Length)).Concat(lines.Skip((int)(b * lines.Length)))),
                    3 => string.Join('\n', lines.Select((l, n) => n == (int)(a * lines.Length) ? lines[(int)(b * (lines.Length - 1))] : l)),
                    4 => text[..i],
                    _ => text[..i] + (char)(' ' + (int)(b * 94)) + text[Math.Min(text.Length, i + 1)..],
                };
            }

            return Case($"{operations.Length} random mutation(s)", text);
        });
}
