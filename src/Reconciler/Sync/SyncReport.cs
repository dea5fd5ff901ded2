using GitOpsSecrets.IO;
using GitOpsSecrets.Restarts;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Sync;

/// <summary>What a sync (or plan) decided for one Secret in one target.</summary>
public enum ChangeKind
{
    Create,
    Update,
    Unchanged,
    Delete,

    /// <summary>Left alone on purpose: exists in the target but is not ours to change.</summary>
    Skipped,

    /// <summary>Could not be made (parse, decrypt, validation or write error); the target's copy is untouched.</summary>
    Failed,
}

/// <summary>Why a Secret was not made: the categories of Bitnami's <c>unseal_errors_total{reason}</c>.</summary>
public enum FailureReason
{
    /// <summary>The manifest could not be read, or the SealedSecret is malformed or defined twice.</summary>
    Parse,

    /// <summary>A value did not open with any key, or the opened Secret is invalid.</summary>
    Unseal,

    /// <summary>The target refused or failed the write or delete.</summary>
    Update,

    /// <summary>The Secret exists and is not ours to change.</summary>
    Unmanaged,
}

/// <summary>The outcome for one Secret: what was (or would be) done, from where, and the diff by key name.</summary>
public sealed record ObjectResult(ChangeKind Kind, SecretId Id, string? Source, SecretDiff? Diff, string? Message)
{
    public bool Changes => Kind is ChangeKind.Create or ChangeKind.Update or ChangeKind.Delete;

    /// <summary>Set for <see cref="ChangeKind.Failed"/> and <see cref="ChangeKind.Skipped"/> results.</summary>
    public FailureReason? Reason { get; init; }

    /// <summary>Short fingerprints of the keys that opened the values, when this sync opened them (key coverage on the status page).</summary>
    public IReadOnlyList<string>? SealedBy { get; init; }

    /// <summary>For a Secret made from a SharedSecret: who may do what with it (names only); null otherwise.</summary>
    public IReadOnlyList<SharedAccessSummary>? Access { get; init; }
}

/// <summary>One target's part of a sync.</summary>
public sealed record TargetReport(string Name, string Kind, IReadOnlyList<ObjectResult> Objects, string? PruneSuspended, string? Error)
{
    public int Count(ChangeKind kind) => Objects.Count(o => o.Kind == kind);

    public bool HasChanges => Objects.Any(o => o.Changes);

    public bool HasFailures => Error is not null || Objects.Any(o => o.Kind == ChangeKind.Failed) || AccessFailures > 0;

    /// <summary>Workloads rolled because Secrets they use changed (see <see cref="RestartPlanner"/>).</summary>
    public IReadOnlyList<RolloutResult> Rollouts { get; init; } = [];

    /// <summary>What SharedSecrets' access rules and image pull attachments made or changed here, one line each (names only).</summary>
    public IReadOnlyList<string> Access { get; init; } = [];

    public int AccessFailures { get; init; }
}

/// <summary>Which step stopped a sync before any target was planned; the CLI picks its exit code from it.</summary>
public enum SyncFailure
{
    /// <summary>The repository could not be fetched or checked out (unreachable, refused, no such ref).</summary>
    Source,

    /// <summary>A configured repository path matches nothing at the fetched revision (a typo would otherwise read nothing and prune everything).</summary>
    Paths,

    /// <summary>The key store could not be read.</summary>
    Keys,

    /// <summary>The new revision failed <c>source.verify</c> (a commit without a good signature from an allowed key).</summary>
    Unverified,
}

/// <summary>The whole result of one sync or plan. Carries names, hashes and messages, never values.</summary>
public sealed record SyncReport(
    string? Revision,
    bool DryRun,
    IReadOnlyList<TargetReport> Targets,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings,
    long RsaOperations,
    int FilesRead,
    TimeSpan Duration)
{
    /// <summary>Set when a step before planning failed: then <see cref="Errors"/> says why and no target was touched.</summary>
    public SyncFailure? StoppedAt { get; init; }

    /// <summary>The work tree holding <see cref="Revision"/> (until the next sync fetches), for checks that read the same files: key retirement, the drill.</summary>
    public string? SourceRoot { get; init; }

    /// <summary>Nothing could be done at all (source or keys unreadable, every target failed).</summary>
    public bool Failed => Errors.Count > 0 || (Targets.Count > 0 && Targets.All(t => t.Error is not null));

    public bool HasFailures => Failed || Targets.Any(t => t.HasFailures);

    public bool HasChanges => Targets.Any(t => t.HasChanges);

    /// <summary>
    /// The same report with every text that may come from the repository (file names, messages quoting them,
    /// names) passed through <see cref="TerminalText.Escape"/>, for printing to a terminal or a text report.
    /// </summary>
    public SyncReport ForDisplay() => this with
    {
        Revision = Revision is null ? null : TerminalText.Escape(Revision),
        Errors = Errors.Select(TerminalText.Escape).ToList(),
        Warnings = Warnings.Select(TerminalText.Escape).ToList(),
        Targets = Targets.Select(t => t with
        {
            Name = TerminalText.Escape(t.Name),
            PruneSuspended = t.PruneSuspended is null ? null : TerminalText.Escape(t.PruneSuspended),
            Error = t.Error is null ? null : TerminalText.Escape(t.Error),
            Access = t.Access.Select(TerminalText.Escape).ToList(),
            Objects = t.Objects.Select(o => o with
            {
                Id = new SecretId(TerminalText.Escape(o.Id.Namespace), TerminalText.Escape(o.Id.Name)),
                Source = o.Source is null ? null : TerminalText.Escape(o.Source),
                Message = o.Message is null ? null : TerminalText.Escape(o.Message),
            }).ToList(),
        }).ToList(),
    };
}
