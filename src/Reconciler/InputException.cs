namespace GitOpsSecrets;

/// <summary>
/// Bad input from the user (a flag, a file, a manifest): expected, reported as one line, no stack trace.
/// Messages name the file and key at fault and never contain a secret value.
/// </summary>
public class InputException : GitOpsSecretsException
{
    public InputException(string message)
        : base(message)
    {
    }

    public InputException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public InputException()
        : this("invalid input")
    {
    }
}
