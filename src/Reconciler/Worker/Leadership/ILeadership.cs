namespace GitOpsSecrets.Worker.Leadership;

/// <summary>Whether this replica may sync and renew keys now, and a token cancelled the moment it may not.</summary>
public interface ILeadership
{
    bool IsLeader { get; }

    /// <summary>Cancelled when leadership is lost; already cancelled while not leading.</summary>
    CancellationToken Token { get; }

    /// <summary>For status and logs: this replica's identity.</summary>
    string Identity { get; }

    /// <summary>Raised with true when leadership is gained, false when it is lost.</summary>
    event Action<bool>? Changed;
}

/// <summary>Without <c>--leader-elect</c> the only replica is always the leader.</summary>
public sealed class AlwaysLeader(string identity) : ILeadership
{
    public bool IsLeader => true;

    public CancellationToken Token => CancellationToken.None;

    public string Identity { get; } = identity;

    public event Action<bool>? Changed
    {
        add
        {
        }

        remove
        {
        }
    }
}
