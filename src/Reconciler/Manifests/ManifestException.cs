namespace GitOpsSecrets.Manifests;

/// <summary>
/// Input that is not a valid manifest. The message already names the file, document and key, and never
/// contains a secret value, so it can be printed as it is.
/// </summary>
public sealed class ManifestException : InputException
{
    public ManifestException(SourceLocation location, string message)
        : base($"{location}: {message}")
    {
        Location = location;
        Reason = message;
    }

    public ManifestException(string message)
        : base(message)
    {
        Reason = message;
    }

    public ManifestException(string message, Exception inner)
        : base(message, inner)
    {
        Reason = message;
    }

    public ManifestException()
        : this("invalid manifest")
    {
    }

    public SourceLocation? Location { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Reason { get; }
}
