namespace GitOpsSecrets.Git;

/// <summary>One checked-out revision: <c>ref@sha1:…</c>, the commit id, and the working tree holding it.</summary>
public sealed record GitCheckout(string Revision, string Commit, string WorkTree);
