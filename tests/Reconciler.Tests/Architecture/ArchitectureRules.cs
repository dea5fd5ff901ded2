using System.Text.RegularExpressions;

namespace GitOpsSecrets.Tests.Architecture;

/// <summary>A library (by namespace prefix) and the namespaces allowed to use it (a room, or a namespace below one, such as <c>Worker.Http</c>).</summary>
public sealed record LibraryRule(string Prefix, IReadOnlyList<string> OnlyIn);

/// <summary>An arrow the rules forbid but tolerate while it is being removed: <c>From</c> is a room, <c>To</c> a room or a library prefix.</summary>
public sealed record KnownViolation(string From, string To, string RemovedBy);

/// <summary>
/// The rules of docs/architecture.md, read from its tables: <c>| room | may use |</c> (the arrows between rooms),
/// <c>| library (namespace prefix) | only in |</c> and <c>| from | to | removed by |</c> (known violations).
/// Names are the backticked words of a cell; a cell without any (—) is empty.
/// </summary>
public sealed partial record ArchitectureRules(
    IReadOnlyDictionary<string, IReadOnlySet<string>> MayUse,
    IReadOnlyList<LibraryRule> Libraries,
    IReadOnlyList<KnownViolation> Known)
{
    public const string DocumentPath = "docs/architecture.md";

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    public static ArchitectureRules Parse(string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        var mayUse = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var row in Table(lines, allowEmpty: false, "room", "may use"))
        {
            var room = Single(row[0], "room");
            mayUse.ContainsKey(room).ShouldBeFalse($"{DocumentPath}: room `{room}` has two rows in the arrows table");
            mayUse[room] = Names(row[1]).ToHashSet(StringComparer.Ordinal);
        }

        var libraries = Table(lines, allowEmpty: false, "library (namespace prefix)", "only in")
            .Select(row => new LibraryRule(Single(row[0], "library"), Names(row[1])))
            .ToList();
        var known = Table(lines, allowEmpty: true, "from", "to", "removed by")
            .Select(row => new KnownViolation(Single(row[0], "from"), Single(row[1], "to"), row[2].Trim()))
            .ToList();
        return new ArchitectureRules(mayUse, libraries, known);
    }

    private static List<string> Names(string cell) => Backticked().Matches(cell).Select(m => m.Groups[1].Value).ToList();

    private static string Single(string cell, string column) =>
        Names(cell).ShouldHaveSingleItem($"{DocumentPath}: the `{column}` cell '{cell.Trim()}' must name one thing in backticks");

    /// <summary>The data rows of the one table whose header is exactly <paramref name="header"/>.</summary>
    private static List<string[]> Table(string[] lines, bool allowEmpty, params string[] header)
    {
        var starts = Enumerable.Range(0, lines.Length)
            .Where(i => lines[i].TrimStart().StartsWith('|') && Cells(lines[i]).SequenceEqual(header, StringComparer.OrdinalIgnoreCase))
            .ToList();
        var start = starts.ShouldHaveSingleItem($"{DocumentPath} must hold one table headed | {string.Join(" | ", header)} |");
        var rows = new List<string[]>();
        for (var i = start + 2; i < lines.Length && lines[i].TrimStart().StartsWith('|'); i++)
        {
            var cells = Cells(lines[i]);
            cells.Length.ShouldBe(header.Length, $"{DocumentPath} line {i + 1} must have {header.Length} cells");
            rows.Add(cells);
        }

        (allowEmpty || rows.Count > 0).ShouldBeTrue($"the table headed | {string.Join(" | ", header)} | in {DocumentPath} has no rows");
        return rows;
    }

    private static string[] Cells(string line)
    {
        var trimmed = line.Trim();
        trimmed = trimmed.Trim('|');
        return trimmed.Split('|').Select(c => c.Trim()).ToArray();
    }
}
