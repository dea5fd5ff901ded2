namespace GitOpsSecrets.Configuration;

/// <summary>
/// The one configuration file of <c>sync</c>, <c>plan</c> and <c>run</c> (see the README's configuration
/// reference). Every field also has a flag; flags override the file.
/// </summary>
public sealed class WorkerConfiguration
{
    public SourceConfiguration Source { get; set; } = new();

    public KeysConfiguration Keys { get; set; } = new();

    public List<TargetConfiguration> Targets { get; set; } = [];

    public WorkerSettings Worker { get; set; } = new();

    /// <summary>run: where state changes are reported (webhook, Slack, GitHub/GitLab commit status).</summary>
    public List<NotificationConfiguration> Notifications { get; set; } = [];

    /// <summary>The cluster source (<c>sources.cluster</c>): SealedSecret resources watched in a cluster; null: off.</summary>
    public ClusterSourceConfiguration? Cluster { get; set; }

    /// <summary>False when the configuration turns the git source off (<c>sources.git: false</c>, or <c>run --source cluster</c>).</summary>
    public bool GitEnabled { get; set; } = true;

    /// <summary>Whether the git source runs: on unless turned off, and with a cluster source only when it has a URL.</summary>
    public bool UsesGit => GitEnabled && (Source.Url is not null || Cluster is null);
}

/// <summary>
/// The cluster source, Bitnami's controller mode: SealedSecret custom resources in a cluster become
/// Secrets next to them, owned by them. See docs/controller.md.
/// </summary>
public sealed class ClusterSourceConfiguration
{
    /// <summary>Namespaces to watch; empty: every namespace.</summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>How often every SealedSecret is checked again (a current Secret is not decrypted).</summary>
    public TimeSpan Resync { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>SealedSecrets reconciled at once.</summary>
    public int Parallelism { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Write status.conditions and status.observedGeneration (Bitnami's --update-status).</summary>
    public bool UpdateStatus { get; set; } = true;

    /// <summary>The cluster's kubeconfig and context (empty: in-cluster, or the default kubeconfig).</summary>
    public string? Kubeconfig { get; set; }

    public string? Context { get; set; }
}

/// <summary>The git repository the SealedSecrets come from.</summary>
public sealed class SourceConfiguration
{
    /// <summary>A local path, <c>file://</c>, <c>https://</c> or <c>ssh://</c> URL.</summary>
    public string? Url { get; set; }

    /// <summary>Branch, tag or commit; <c>HEAD</c> is the remote's default branch.</summary>
    public string Ref { get; set; } = "HEAD";

    /// <summary>Repository paths to read (folders or files); empty: the whole repository.</summary>
    public List<string> Paths { get; set; } = [];

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Where the clone is kept between syncs.</summary>
    public string? CacheDir { get; set; }

    public GitAuthConfiguration Auth { get; set; } = new();

    /// <summary>Signed commits only (<c>source.verify</c>); null: commits are not verified.</summary>
    public CommitVerificationConfiguration? Verify { get; set; }
}

public sealed class GitAuthConfiguration
{
    /// <summary>https: a file holding the token (sent as the password of basic auth).</summary>
    public string? TokenFile { get; set; }

    /// <summary>https: the user name sent with the token (default "git").</summary>
    public string? Username { get; set; }

    /// <summary>ssh: the private key file.</summary>
    public string? SshKeyFile { get; set; }

    /// <summary>ssh: the known_hosts file the server's host key must be in (no trust on first use).</summary>
    public string? KnownHostsFile { get; set; }
}

/// <summary>Where the key pairs live and how often a new one is made.</summary>
public sealed class KeysConfiguration
{
    /// <summary>A directory (or file) of key Secret manifests or PEM files.</summary>
    public string? Directory { get; set; }

    /// <summary>The cluster store: the namespace whose labelled key Secrets hold the keys (Bitnami's layout).</summary>
    public string? ClusterNamespace { get; set; }

    /// <summary>The cluster store's kubeconfig and context (empty: in-cluster, or the default kubeconfig).</summary>
    public string? Kubeconfig { get; set; }

    public string? Context { get; set; }

    /// <summary>How often the worker adds a new key; 0 disables renewal.</summary>
    public TimeSpan RenewPeriod { get; set; } = TimeSpan.FromHours(720);

    /// <summary>A key made before this time is too old: a new one is made at start.</summary>
    public DateTimeOffset? CutoffTime { get; set; }

    /// <summary>run: retire a key nothing is sealed to once it is this old (marked compromised, then deleted); null: off.</summary>
    public TimeSpan? RetireAfter { get; set; }

    /// <summary>run: delete a retired key once it has been retired this long; null: the same as <see cref="RetireAfter"/>.</summary>
    public TimeSpan? DeleteRetiredAfter { get; set; }

    /// <summary>run: commit the newest public certificate to the source repository (the closed loop); null: off.</summary>
    public PublishCertificateConfiguration? PublishCertificate { get; set; }
}

/// <summary>
/// Where the worker commits the newest sealing certificate after a key renewal, so a workflow watching
/// that path (the reseal job) runs. Uses the source's URL and credentials. Public material only.
/// </summary>
public sealed class PublishCertificateConfiguration
{
    public const string DefaultAuthor = "gitops-secrets <gitops-secrets@localhost>";

    public const string DefaultMessage = "Publish sealing certificate {key}";

    /// <summary>Repository path of the PEM file, e.g. <c>keys/sealing-cert.pem</c>.</summary>
    public string? Path { get; set; }

    /// <summary>The branch to commit to; default the source ref when it names a branch, else <c>main</c>.</summary>
    public string? Branch { get; set; }

    /// <summary>Commit author, <c>Name &lt;email&gt;</c>.</summary>
    public string Author { get; set; } = DefaultAuthor;

    /// <summary>Commit message template; <c>{key}</c> is the new key's short fingerprint.</summary>
    public string Message { get; set; } = DefaultMessage;
}

/// <summary>One place Secrets go.</summary>
public sealed class TargetConfiguration
{
    public string Name { get; set; } = string.Empty;

    /// <summary><c>directory</c> or <c>kubernetes</c>.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>Repository paths that feed this target; empty: the source's paths.</summary>
    public List<string> Paths { get; set; } = [];

    public bool Prune { get; set; } = true;

    /// <summary>directory: the root folder (<c>ROOT/NAMESPACE/NAME/KEY</c>).</summary>
    public string? Root { get; set; }

    /// <summary>directory: mode of the value files (octal), default 0400.</summary>
    public string? FileMode { get; set; }

    /// <summary>directory: per-key modes, by key name or by <c>namespace/name/key</c>.</summary>
    public Dictionary<string, string> KeyModes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>kubernetes: kubeconfig file (empty: in-cluster when running in a pod, else the default kubeconfig).</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>kubernetes: context in the kubeconfig (empty: its current context).</summary>
    public string? Context { get; set; }

    /// <summary>kubernetes: take over fields another manager owns instead of failing on the conflict.</summary>
    public bool ForceConflicts { get; set; }

    /// <summary>kubernetes: create a missing namespace instead of failing the Secrets bound for it.</summary>
    public bool CreateNamespaces { get; set; }

    /// <summary>kubernetes: roll opted-in workloads that use a changed Secret (docs/configuration.md, "Workload restarts").</summary>
    public bool RestartWorkloads { get; set; } = true;

    /// <summary>directory: <c>onChange.exec</c>, a command (argv, no shell) run after a sync changed Secrets; the changed paths are in its environment.</summary>
    public List<string>? OnChangeExec { get; set; }

    /// <summary>directory: <c>onChange.timeout</c>, how long the command may run (default 1m).</summary>
    public TimeSpan? OnChangeTimeout { get; set; }

    /// <summary>Tenancy guard: the namespaces each repository path may write to (see docs/shared-secrets.md).</summary>
    public List<NamespaceRule> Namespaces { get; set; } = [];
}

/// <summary>One <c>targets[].namespaces</c> entry: documents under <see cref="Path"/> may only land in <see cref="Allow"/>.</summary>
public sealed class NamespaceRule
{
    public string Path { get; set; } = string.Empty;

    /// <summary>Namespace names; a trailing <c>*</c> allows every namespace with that prefix (<c>payments-*</c>).</summary>
    public List<string> Allow { get; set; } = [];
}

/// <summary>The long-running worker's own settings (<c>run</c>).</summary>
public sealed class WorkerSettings
{
    public string Listen { get; set; } = "http://0.0.0.0:8080";

    public bool LeaderElect { get; set; }

    public string LeaseName { get; set; } = "gitops-secrets-leader";

    public string? LeaseNamespace { get; set; }

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Random extra delay of up to this fraction of the interval before each sync.</summary>
    public double Jitter { get; set; } = 0.1;

    /// <summary>A file holding the token that <c>/hooks/sync</c> requires.</summary>
    public string? SyncHookTokenFile { get; set; }

    /// <summary>
    /// The longest one sync may take before it is cancelled and reported as timed out, so a git server or
    /// API server that accepts a connection and never answers cannot stop every later sync. Longer than the
    /// engine's lock wait (5m), so a sync waiting for another process's sync is not cut short first.
    /// </summary>
    public TimeSpan SyncTimeout { get; set; } = DefaultSyncTimeout;

    public static readonly TimeSpan DefaultSyncTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The web page at <c>/ui/</c> (<c>worker.ui</c>).</summary>
    public UiSettings Ui { get; set; } = new();
}

/// <summary><c>worker.ui</c>: <c>false</c> turns the page off; a mapping sets its access check.</summary>
public sealed class UiSettings
{
    public bool Enabled { get; set; } = true;

    /// <summary><c>worker.ui.auth</c>: who may read the status data behind the page (none: anyone who reaches the port).</summary>
    public UiAuthSettings Auth { get; set; } = new();
}

/// <summary><c>worker.ui.auth</c>: a bearer token (from a file or an environment variable), or a header an authenticating proxy sets.</summary>
public sealed class UiAuthSettings
{
    public string? BearerTokenFile { get; set; }

    public string? BearerTokenEnv { get; set; }

    /// <summary>A header (e.g. <c>X-Forwarded-User</c>) that an OIDC proxy in front of the worker sets once it has signed the user in.</summary>
    public string? TrustedHeader { get; set; }
}
