namespace GitOpsSecrets.Cli;

/// <summary>Every exit code the program uses, in one place; the README's table is written from this file.</summary>
public static class ExitCodes
{
    /// <summary>Done; for <c>plan</c> and <c>validate</c>: nothing to do, everything valid.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug, an I/O error); the message says what.</summary>
    public const int Error = 1;

    /// <summary>The command line was wrong: unknown flag, missing argument, conflicting flags.</summary>
    public const int Usage = 2;

    /// <summary>An input was invalid: a malformed manifest, a missing file, a bad certificate or key, a <c>--path</c> that matches nothing in the repository.</summary>
    public const int InvalidInput = 3;

    /// <summary>A sealed value could not be decrypted with any key (wrong key, renamed, moved, tampered).</summary>
    public const int DecryptionFailed = 4;

    /// <summary><c>sync</c>: some Secrets were applied and some failed; failures were left untouched.</summary>
    public const int PartialFailure = 5;

    /// <summary><c>plan</c>: changes are pending; <c>reseal --check</c>: files are sealed to an older key; <c>keys retire</c>: the key is still needed, nothing changed.</summary>
    public const int ChangesPending = 6;

    /// <summary>A remote could not be reached or read: the git repository (<c>sync</c>, <c>plan</c>), the worker (<c>status</c>), or the API server refused or could not be reached (<c>registry login</c>/<c>logout</c>); nothing was changed.</summary>
    public const int SourceUnavailable = 7;

    /// <summary><c>sync</c>/<c>plan</c>: another sync held the cache's or a target's lock past <c>--lock-timeout</c>; nothing was done.</summary>
    public const int LockHeld = 8;

    /// <summary>Interrupted (Ctrl+C, SIGTERM) before finishing.</summary>
    public const int Cancelled = 130;
}
