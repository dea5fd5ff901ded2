namespace GitOpsSecrets.Git;

/// <summary>
/// One checked-out revision: <c>ref@sha1:…</c>, the commit id, and the working tree holding it; with a
/// one-line warning when the cache had to be made again on the way (it was corrupt).
/// </summary>
public sealed record GitCheckout(string Revision, string Commit, string WorkTree, string? Warning = null);
