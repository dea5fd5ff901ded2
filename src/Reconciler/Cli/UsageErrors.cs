using System.CommandLine;
using System.CommandLine.Parsing;

namespace GitOpsSecrets.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into one line: the first word it could not match (everything
/// after an unknown flag is unmatched too, so listing them all buried the real mistake), with the nearest
/// option or command as a "did you mean".
/// </summary>
public static class UsageErrors
{
    /// <summary>One line per real problem: the first unmatched word, else each parse error.</summary>
    public static IReadOnlyList<string> Describe(ParseResult parse)
    {
        var usage = $"see '{CommandLine(parse.CommandResult)} --help'";
        if (parse.UnmatchedTokens.Count > 0)
        {
            var token = parse.UnmatchedTokens[0];
            var isOption = token.StartsWith('-');
            var what = isOption ? "option" : "command or argument";
            var suggestion = Suggest(token, isOption ? OptionNames(parse.CommandResult.Command) : CommandNames(parse.CommandResult.Command));
            var hint = suggestion is null ? string.Empty : $" (did you mean '{suggestion}'?)";
            return [$"error: unknown {what} '{token}' for '{CommandLine(parse.CommandResult)}'{hint}; {usage}"];
        }

        return parse.Errors.Select(e => $"error: {e.Message.TrimEnd('.')}; {usage}").Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The candidate closest to what was typed, if it is close enough to be a typo.</summary>
    public static string? Suggest(string typed, IEnumerable<string> candidates)
    {
        var bare = typed.Split('=', 2)[0];
        var best = candidates
            .Select(c => (Name: c, Distance: Distance(bare, c)))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        var allowed = Math.Max(2, bare.TrimStart('-').Length / 3);
        return best.Name is not null && best.Distance <= allowed ? best.Name : null;
    }

    /// <summary>"gitops-secrets keys export", for messages.</summary>
    public static string CommandLine(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is CommandResult command; current = command.Parent)
        {
            // The root is named after the process (the test host in tests); messages name the tool.
            names.Insert(0, command.Command is RootCommand ? CliApp.Name : command.Command.Name);
        }

        return string.Join(' ', names);
    }

    private static IEnumerable<string> OptionNames(Command command)
    {
        var own = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name));
        var inherited = Ancestors(command).SelectMany(p => p.Options.Where(o => o.Recursive)).SelectMany(o => o.Aliases.Prepend(o.Name));
        return own.Concat(inherited).Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal);
    }

    private static IEnumerable<Command> Ancestors(Command command)
    {
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
        {
            yield return parent;
        }
    }

    private static IEnumerable<string> CommandNames(Command command) =>
        command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));

    /// <summary>Levenshtein distance: how many single-character edits turn one word into the other.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
