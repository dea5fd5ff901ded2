using System.CommandLine;

namespace GitOpsSecrets.Cli;

/// <summary>
/// Options several commands share, defined once so their names, help and defaults cannot drift
/// (kubeseal's names where kubeseal has the option).
/// </summary>
public sealed class SharedOptions
{
    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Print stack traces and debug detail on errors (never secret values)",
        Recursive = true,
    };

    public Option<string?> CryptoEngine { get; } = new("--crypto-engine")
    {
        Description = "RSA-OAEP implementation: auto (OpenSSL where available), openssl, bouncycastle [env GITOPS_SECRETS_CRYPTO_ENGINE]",
        Recursive = true,
        HelpName = "auto|openssl|bouncycastle",
    };

    public Option<string?> Namespace() => new("--namespace", "-n") { Description = "Namespace of the Secret (defaults to the kubeconfig context's namespace, then \"default\")" };

    /// <summary><c>-o</c> is always a format (kubeseal's <c>--format</c>); a file to write is <see cref="OutputFile"/>.</summary>
    public Option<string> Format(string @default) => new("--format", "-o")
    {
        Description = "Output format: json or yaml",
        DefaultValueFactory = _ => @default,
        HelpName = "json|yaml",
    };

    /// <summary>How a report prints: a table for people (<c>text</c>) or <c>json</c> for machines.</summary>
    public Option<string> ReportFormat() => new("--format", "-o")
    {
        Description = "Report format: text (a table) or json",
        DefaultValueFactory = _ => "text",
        HelpName = "text|json",
    };

    /// <summary>Where output goes instead of standard output (kubeseal's <c>-w</c>); '-' is standard output.</summary>
    public Option<string?> OutputFile(string description) => new("--output-file", "-w") { Description = description };

    /// <summary>True for json, false for text; anything else is a usage error naming the option.</summary>
    public static bool IsJson(ParseResult parse, Option<string> reportFormat) => parse.GetValue(reportFormat) switch
    {
        "text" => false,
        "json" => true,
        var other => throw new UsageException($"{reportFormat.Name}: \"{other}\" is not text or json"),
    };

    public Option<string?> Cert() => new("--cert")
    {
        Description = "Certificate to seal with: a file, file:// or http(s):// URL (e.g. a worker's /v1/cert.pem) [env SEALED_SECRETS_CERT]",
    };

    public Option<string?> Scope() => new("--scope")
    {
        Description = "Scope: strict (default), namespace-wide or cluster-wide; default read from the Secret's annotations [env SEALED_SECRETS_SCOPE]",
        HelpName = "strict|namespace-wide|cluster-wide",
    };

    /// <summary>Repeatable, and each value may itself be a comma-separated list (kubeseal's form).</summary>
    public Option<string[]> RecoveryPrivateKey() => new("--recovery-private-key")
    {
        Description = "Private key file(s) or key directory: PEM, key Secret JSON/YAML, or a List of key Secrets (repeatable, comma-separated)",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string[]> Keys() => new("--keys")
    {
        Description = "Key file(s) or key directory (PEM, key Secrets, Lists) (repeatable, comma-separated)",
    };

    /// <summary>Splits kubeseal-style comma lists and drops empties.</summary>
    public static IReadOnlyList<string> SplitList(IEnumerable<string>? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
}
