using System.CommandLine;
using GitOpsSecrets.Configuration;

namespace GitOpsSecrets.Cli;

/// <summary>
/// The flags of <c>sync</c>, <c>plan</c> and <c>run</c>: one per configuration field. They are applied
/// over the configuration file (<c>--config</c>), so the one-shot form needs no file at all:
/// <c>sync --repo URL --keys PATH --target directory:ROOT</c>.
/// </summary>
public sealed class ConfigurationOptions
{
    public Option<string?> Config { get; } = new("--config", "-c") { Description = "Configuration file (YAML); flags override its values" };

    public Option<string?> Repo { get; } = new("--repo") { Description = "Git repository: a local path, file://, https:// or ssh:// URL (source.url)" };

    public Option<string?> Ref { get; } = new("--ref") { Description = "Branch, tag or commit to sync; HEAD is the remote's default branch (source.ref)" };

    public Option<string[]> Path { get; } = new("--path") { Description = "Repository path to read, repeatable; default the whole repository (source.paths)" };

    public Option<string?> Interval { get; } = new("--interval") { Description = "Time between syncs for run, e.g. 1m (source.interval)" };

    public Option<string?> CacheDir { get; } = new("--cache-dir") { Description = "Where the clone is kept between syncs (source.cacheDir)" };

    public Option<string?> GitTokenFile { get; } = new("--git-token-file") { Description = "https: file holding the token (source.auth.tokenFile)" };

    public Option<string?> GitUsername { get; } = new("--git-username") { Description = "https: user name sent with the token, default git (source.auth.username)" };

    public Option<string?> GitSshKeyFile { get; } = new("--git-ssh-key-file") { Description = "ssh: private key file (source.auth.sshKeyFile)" };

    public Option<string?> GitKnownHostsFile { get; } = new("--git-known-hosts-file") { Description = "ssh: known_hosts file; the host key must be in it (source.auth.knownHostsFile)" };

    public Option<string?> Keys { get; } = new("--keys") { Description = "Key store: a key directory or file (keys.directory), or cluster[:NAMESPACE], namespace default " + ControllerDefaults.Namespace + " (keys.clusterNamespace)" };

    public Option<string?> KeyRenewPeriod { get; } = new("--key-renew-period") { Description = "run: how often a new key is made, e.g. 720h; 0 disables (keys.renewPeriod)" };

    public Option<string?> KeyCutoffTime { get; } = new("--key-cutoff-time") { Description = "run: make a new key at start if the newest is older than this time, RFC 3339 or RFC 1123Z (keys.cutoffTime)" };

    public Option<string[]> Target { get; } = new("--target") { Description = "Target, repeatable: directory:ROOT or kubernetes[:CONTEXT]; replaces the file's targets (targets)" };

    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "kubeconfig for kubernetes targets and the cluster key store" };

    public Option<string?> Context { get; } = new("--context") { Description = "kubeconfig context for the cluster key store (targets name theirs in --target kubernetes:CONTEXT)" };

    public Option<bool?> Prune { get; } = new("--prune") { Description = "Delete Secrets whose SealedSecret left the repository: true or false (targets[].prune, default true)" };

    public Option<string?> FileMode { get; } = new("--file-mode") { Description = "directory targets: mode of value files, octal, default 0400 (targets[].fileMode)" };

    public Option<bool> CreateNamespaces { get; } = new("--create-namespaces") { Description = "kubernetes targets: create missing namespaces (targets[].createNamespaces)" };

    public Option<bool> ForceConflicts { get; } = new("--force-conflicts") { Description = "kubernetes targets: take fields owned by another field manager (targets[].forceConflicts)" };

    public IEnumerable<Option> All =>
    [
        Config, Repo, Ref, Path, Interval, CacheDir, GitTokenFile, GitUsername, GitSshKeyFile, GitKnownHostsFile,
        Keys, KeyRenewPeriod, KeyCutoffTime, Target, Kubeconfig, Context, Prune, FileMode, CreateNamespaces, ForceConflicts,
    ];

    /// <summary>
    /// The configuration file (if any) with every given flag applied over it, then <paramref name="adjust"/>
    /// (a command's own flags), then checked as a whole: the one place a configuration is validated, so
    /// the rooms and the worker take it as it comes.
    /// </summary>
    public WorkerConfiguration Resolve(ParseResult parse, CliHost host, Action<WorkerConfiguration>? adjust = null)
    {
        var configuration = Read(parse);
        adjust?.Invoke(configuration);
        ConfigurationValidator.Validate(configuration);
        return configuration;
    }

    private WorkerConfiguration Read(ParseResult parse)
    {
        var configuration = parse.GetValue(Config) is { } file ? ConfigurationReader.ReadFile(file) : new WorkerConfiguration();
        var source = configuration.Source;
        source.Url = parse.GetValue(Repo) ?? source.Url;
        source.Ref = parse.GetValue(Ref) ?? source.Ref;
        if (parse.GetValue(Path) is { Length: > 0 } paths)
        {
            source.Paths = [.. paths];
        }

        source.Interval = parse.GetValue(Interval) is { } interval ? Durations.Parse(interval, "--interval") : source.Interval;
        // Null: the Git room picks $XDG_CACHE_HOME/gitops-secrets/<hash of the URL>, one clone per repository.
        source.CacheDir = parse.GetValue(CacheDir) ?? source.CacheDir;
        source.Auth.TokenFile = parse.GetValue(GitTokenFile) ?? source.Auth.TokenFile;
        source.Auth.Username = parse.GetValue(GitUsername) ?? source.Auth.Username;
        source.Auth.SshKeyFile = parse.GetValue(GitSshKeyFile) ?? source.Auth.SshKeyFile;
        source.Auth.KnownHostsFile = parse.GetValue(GitKnownHostsFile) ?? source.Auth.KnownHostsFile;

        ApplyKeys(parse, configuration.Keys);
        ApplyTargets(parse, configuration);
        return configuration;
    }

    /// <summary>Only the key store flags (<c>--keys</c>, <c>--kubeconfig</c>, <c>--context</c>), for commands that need a key store and nothing else.</summary>
    public KeysConfiguration ResolveKeys(ParseResult parse)
    {
        var keys = new KeysConfiguration();
        ApplyKeys(parse, keys);
        return keys;
    }

    private void ApplyKeys(ParseResult parse, KeysConfiguration keys)
    {
        if (parse.GetValue(Keys) is { } spec)
        {
            if (spec == "cluster" || spec.StartsWith("cluster:", StringComparison.Ordinal))
            {
                keys.ClusterNamespace = spec.Length > "cluster:".Length ? spec["cluster:".Length..] : ControllerDefaults.Namespace;
                keys.Directory = null;
            }
            else
            {
                keys.Directory = spec;
                keys.ClusterNamespace = null;
            }
        }

        keys.Kubeconfig = parse.GetValue(Kubeconfig) ?? keys.Kubeconfig;
        keys.Context = parse.GetValue(Context) ?? keys.Context;
        keys.RenewPeriod = parse.GetValue(KeyRenewPeriod) is { } period ? Durations.Parse(period, "--key-renew-period") : keys.RenewPeriod;
        if (parse.GetValue(KeyCutoffTime) is { } cutoff)
        {
            keys.CutoffTime = CutoffTimes.Parse(cutoff);
        }
    }

    private void ApplyTargets(ParseResult parse, WorkerConfiguration configuration)
    {
        if (parse.GetValue(Target) is { Length: > 0 } specs)
        {
            configuration.Targets = specs.Select(ParseTarget).ToList();
        }

        foreach (var target in configuration.Targets)
        {
            target.Prune = parse.GetValue(Prune) ?? target.Prune;
            target.FileMode = parse.GetValue(FileMode) ?? target.FileMode;
            target.CreateNamespaces |= parse.GetValue(CreateNamespaces);
            target.ForceConflicts |= parse.GetValue(ForceConflicts);
            if (target.Kind == "kubernetes")
            {
                target.Kubeconfig = parse.GetValue(Kubeconfig) ?? target.Kubeconfig;
            }
        }
    }

    private static TargetConfiguration ParseTarget(string spec)
    {
        var split = spec.IndexOf(':', StringComparison.Ordinal);
        var kind = split < 0 ? spec : spec[..split];
        var argument = split < 0 ? null : spec[(split + 1)..];
        return kind switch
        {
            "directory" when !string.IsNullOrEmpty(argument) => new TargetConfiguration { Name = spec, Kind = kind, Root = argument },
            "directory" => throw new UsageException("--target directory:ROOT needs the root folder"),
            "kubernetes" => new TargetConfiguration { Name = spec, Kind = kind, Context = string.IsNullOrEmpty(argument) ? null : argument },
            _ => throw new UsageException($"--target \"{spec}\": expected directory:ROOT or kubernetes[:CONTEXT]"),
        };
    }
}

/// <summary><c>--key-cutoff-time</c>: RFC 3339, or Go's RFC1123Z that the Bitnami controller takes.</summary>
public static class CutoffTimes
{
    public static DateTimeOffset Parse(string text)
    {
        string[] formats = ["ddd, dd MMM yyyy HH:mm:ss zzz", "ddd, d MMM yyyy HH:mm:ss zzz"];
        var rfc1123z = System.Text.RegularExpressions.Regex.Replace(text.Trim(), @"([+-]\d{2})(\d{2})$", "$1:$2");
        if (DateTimeOffset.TryParseExact(rfc1123z, formats, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var value)
            || DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out value))
        {
            return value;
        }

        throw new UsageException($"--key-cutoff-time: \"{text}\" is not a time (examples: 2026-11-23T00:00:00Z, \"Mon, 23 Nov 2026 00:00:00 +0000\")");
    }
}
