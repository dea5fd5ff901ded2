using GitOpsSecrets.Git;
using GitOpsSecrets.IO;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;
using GitOpsSecrets.Sync;
using GitOpsSecrets.Sync.Cluster;
using GitOpsSecrets.Targets;

namespace GitOpsSecrets.Tests;

public sealed class GitOpsSecretsExceptionTests
{
    /// <summary>Exceptions used as control flow inside one room: never reported to a user as they are.</summary>
    private static readonly string[] ControlFlow =
    [
        "GitOpsSecrets.Sync.Cluster.WatchExpiredException",
        "GitOpsSecrets.Kubernetes.LeaseConflictException",
        "GitOpsSecrets.Sealing.Templates.TemplateEvaluationException",
        "GitOpsSecrets.Sealing.Templates.TemplateEvaluator+LoopControl",
    ];

    [Fact]
    public void EveryProductException_DerivesFromTheBase()
    {
        var exceptions = typeof(GitOpsSecretsException).Assembly.GetTypes()
            .Where(t => typeof(Exception).IsAssignableFrom(t) && t != typeof(GitOpsSecretsException))
            .ToList();

        exceptions.Count.ShouldBeGreaterThan(ControlFlow.Length, "the scan found no exception types at all");
        var outside = exceptions
            .Where(t => !typeof(GitOpsSecretsException).IsAssignableFrom(t) && !ControlFlow.Contains(t.FullName))
            .Select(t => t.FullName)
            .ToList();
        outside.ShouldBeEmpty("these exceptions neither derive from GitOpsSecretsException nor are listed as control flow");
        foreach (var name in ControlFlow)
        {
            exceptions.ShouldContain(t => t.FullName == name, $"{name} is listed as control flow but no longer exists");
        }
    }

    [Fact]
    public void ControlFlowExceptions_AreNotProductFailures()
    {
        Failures.IsExpected(new WatchExpiredException("gone")).ShouldBeFalse();
        Failures.IsExpected(new GitOpsSecrets.Kubernetes.LeaseConflictException("conflict")).ShouldBeFalse();
    }

    public static TheoryData<Exception> ExpectedToday() =>
    [
        new TargetException("refused"),
        new InputException("bad flag"),
        new ManifestException("bad manifest"),
        new GitException("push rejected"),
        new SourceVerificationException("unsigned"),
        new TemplateException("k", "bad template"),
        new LockHeldException("held"),
        new KubernetesAccessException("forbidden"),
        new IOException("disk"),
        new FileNotFoundException("missing"),
        new UnauthorizedAccessException("denied"),
        new HttpRequestException("unreachable"),
    ];

    [Theory]
    [MemberData(nameof(ExpectedToday))]
    public void IsExpected_ProductAndOperatingSystemFailures_AreExpected(Exception exception) =>
        Failures.IsExpected(exception).ShouldBeTrue($"{exception.GetType().Name} should be an expected failure");

    public static TheoryData<Exception> Unexpected() =>
    [
        new OperationCanceledException(),
        new TaskCanceledException(),
        new InvalidOperationException("bug"),
        new NullReferenceException(),
        new ArgumentException("bug"),
        new OutOfMemoryException(),
    ];

    [Theory]
    [MemberData(nameof(Unexpected))]
    public void IsExpected_BugsAndCancellation_AreNotExpected(Exception exception) =>
        Failures.IsExpected(exception).ShouldBeFalse($"{exception.GetType().Name} must propagate, not be reported as a failure");
}
