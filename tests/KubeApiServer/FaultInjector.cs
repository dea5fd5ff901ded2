namespace GitOpsSecrets.Tests.KubeApiServer;

/// <summary>
/// Faults a test asks for: fail the next N matching requests with a code, delay them, drop their
/// connection, or hold them until released. Rules are checked in the order they were added; a rule
/// with a count is used up after that many matches.
/// </summary>
public sealed class FaultInjector
{
    private readonly List<Rule> _rules = [];
    private readonly Lock _lock = new();

    /// <summary>The next <paramref name="count"/> requests matching <paramref name="when"/> are answered with a Status of <paramref name="code"/>.</summary>
    public void FailNext(int count, int code, Func<KubeRequest, bool>? when = null, int? retryAfterSeconds = null) =>
        Add(new Rule(when, count, new FaultAction.Fail(code, retryAfterSeconds)));

    /// <summary>Matching requests wait this long before being served (<paramref name="count"/> null: every one).</summary>
    public void Delay(Func<KubeRequest, bool> when, TimeSpan delay, int? count = null) =>
        Add(new Rule(when, count, new FaultAction.Wait(delay)));

    /// <summary>The next <paramref name="count"/> matching requests have their connection closed without an answer.</summary>
    public void DropConnection(Func<KubeRequest, bool>? when = null, int count = 1) =>
        Add(new Rule(when, count, new FaultAction.Drop()));

    /// <summary>Matching requests wait until the returned gate is released (then are served normally).</summary>
    public Gate Block(Func<KubeRequest, bool> when, int? count = null)
    {
        var gate = new Gate();
        Add(new Rule(when, count, new FaultAction.Hold(gate)));
        return gate;
    }

    public void Clear()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    internal FaultAction? Take(KubeRequest request)
    {
        lock (_lock)
        {
            foreach (var rule in _rules)
            {
                if (rule.Remaining is not 0 && (rule.When is null || rule.When(request)))
                {
                    if (rule.Remaining is { } remaining)
                    {
                        rule.Remaining = remaining - 1;
                    }

                    return rule.Action;
                }
            }

            return null;
        }
    }

    private void Add(Rule rule)
    {
        lock (_lock)
        {
            _rules.Add(rule);
        }
    }

    private sealed class Rule(Func<KubeRequest, bool>? when, int? remaining, FaultAction action)
    {
        public Func<KubeRequest, bool>? When { get; } = when;

        public int? Remaining { get; set; } = remaining;

        public FaultAction Action { get; } = action;
    }
}

internal abstract record FaultAction
{
    public sealed record Fail(int Code, int? RetryAfterSeconds) : FaultAction;

    public sealed record Wait(TimeSpan Delay) : FaultAction;

    public sealed record Drop : FaultAction;

    public sealed record Hold(Gate Gate) : FaultAction;
}

/// <summary>Holds blocked requests until <see cref="Release"/>; tests await <see cref="Reached"/> to know one is held.</summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first request is held at this gate.</summary>
    public Task Reached => _reached.Task;

    public void Release() => _released.TrySetResult();

    internal async Task WaitAsync(CancellationToken cancellationToken)
    {
        _reached.TrySetResult();
        await _released.Task.WaitAsync(cancellationToken);
    }
}
