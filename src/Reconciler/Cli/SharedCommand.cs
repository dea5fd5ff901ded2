using System.CommandLine;

namespace GitOpsSecrets.Cli;

/// <summary>
/// <c>shared</c>: the shared-secret workflow without a UI. A SharedSecret is sealed like a SealedSecret
/// (strict, for its home namespace and name) and carries who may use it (<c>spec.access</c>); these
/// commands create it, re-seal or drop one key, edit its access, and answer who may use it, all offline
/// from the files (only sealing needs the certificate).
/// </summary>
public sealed class SharedCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    public override Command Build() => new("shared", "Shared secrets: one sealed secret with explicit access for users and teams")
    {
        new SharedCreateCommand(Host, Shared).Build(),
        new SharedKeyCommand(Host, Shared, remove: false).Build(),
        new SharedKeyCommand(Host, Shared, remove: true).Build(),
        new SharedAccessCommand(Host, Shared).Build(),
        new SharedGetCommand(Host, Shared).Build(),
        new SharedWhoCanCommand(Host, Shared).Build(),
    };
}
