namespace GitOpsSecrets.Sharing;

/// <summary>
/// A Kubernetes label selector (<c>matchLabels</c> and <c>matchExpressions</c>), evaluated as the API
/// server does: every requirement must hold; an empty selector matches everything.
/// </summary>
public sealed class LabelSelector
{
    public SortedDictionary<string, string> MatchLabels { get; init; } = new(StringComparer.Ordinal);

    public IReadOnlyList<LabelRequirement> MatchExpressions { get; init; } = [];

    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        MatchLabels.All(l => labels.TryGetValue(l.Key, out var value) && value == l.Value)
        && MatchExpressions.All(e => e.Matches(labels));
}

/// <summary>One <c>matchExpressions</c> entry.</summary>
public sealed record LabelRequirement(string Key, string Operator, IReadOnlyList<string> Values)
{
    public const string In = "In";
    public const string NotIn = "NotIn";
    public const string Exists = "Exists";
    public const string DoesNotExist = "DoesNotExist";

    public static readonly IReadOnlyList<string> Operators = [In, NotIn, Exists, DoesNotExist];

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var present = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            In => present && Values.Contains(value!, StringComparer.Ordinal),
            NotIn => !present || !Values.Contains(value!, StringComparer.Ordinal),
            Exists => present,
            DoesNotExist => !present,
            _ => false,
        };
    }
}
