using System.CommandLine;

namespace GitOpsSecrets.Cli;

/// <summary>
/// kubeseal's environment defaults: for the kubeseal-compatible commands, every long option not given
/// on the command line takes its value from <c>SEALED_SECRETS_&lt;OPTION&gt;</c> (upper case, '-' as '_'),
/// e.g. <c>SEALED_SECRETS_CERT</c>, <c>SEALED_SECRETS_SCOPE</c>. The command line always wins.
/// </summary>
public static class EnvironmentDefaults
{
    public const string Prefix = "SEALED_SECRETS_";

    public static readonly IReadOnlySet<string> Commands = new HashSet<string>(StringComparer.Ordinal) { "seal", "unseal", "validate", KubesealAlias.Name };

    public static string VariableFor(Option option) =>
        Prefix + option.Name.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    /// <summary>The arguments with environment defaults appended for options the user did not give.</summary>
    public static string[] Apply(ParseResult parse, Func<string, string?> environment, string[] args)
    {
        var command = parse.CommandResult.Command;
        if (!Commands.Contains(command.Name))
        {
            return args;
        }

        var extra = new List<string>();
        foreach (var option in command.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal)))
        {
            if (parse.GetResult(option) is { Implicit: false } || environment(VariableFor(option)) is not { } value)
            {
                continue;
            }

            var values = option.ValueType.IsArray ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [value];
            extra.AddRange(values.Select(v => $"{option.Name}={v}"));
        }

        return extra.Count == 0 ? args : [.. args, .. extra];
    }
}
