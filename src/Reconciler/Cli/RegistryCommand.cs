using System.CommandLine;
using GitOpsSecrets.IO;
using GitOpsSecrets.Kubernetes;
using GitOpsSecrets.Registry;

namespace GitOpsSecrets.Cli;

/// <summary>The arguments of one <c>registry login|logout</c> invocation.</summary>
public sealed record RegistryArguments(string? Secret, string? Kubeconfig, string? Context, IReadOnlyList<string> Registries);

/// <summary>
/// <c>registry login --secret NS/NAME</c>: reads a shared <c>kubernetes.io/dockerconfigjson</c> Secret
/// with the user's own kubeconfig (so the cluster's RBAC decides who may) and merges its registries into
/// docker's config.json, through the credential helper when one is configured; <c>registry logout</c>
/// removes exactly those registries again. A refused or unreachable API server is one line, exit 7.
/// </summary>
public sealed class RegistryCommand(CliHost host, SharedOptions shared) : CliCommand(host, shared)
{
    public override Command Build() => new("registry", "Log in to container registries with a shared pull secret (docker's config.json)")
    {
        Subcommand("login", "Read a dockerconfigjson Secret with your own credentials and add its registries to docker's config.json", LoginAsync),
        Subcommand("logout", "Remove the registries of a shared pull secret (or --registry HOST) from docker's config.json", LogoutAsync),
    };

    private Command Subcommand(string name, string description, Func<RegistryArguments, CancellationToken, Task<int>> run)
    {
        var secret = new Option<string?>("--secret") { Description = "The shared pull secret, NAMESPACE/NAME (NAME alone: the context's namespace)" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Kubeconfig (default $KUBECONFIG, merged like kubectl, then ~/.kube/config, then in-cluster)" };
        var context = new Option<string?>("--context") { Description = "Kubeconfig context to use" };
        var registry = new Option<string[]>("--registry") { Description = "Only this registry of the secret (an auths key such as ghcr.io) (repeatable)" };
        var command = new Command(name, description) { secret, kubeconfig, context, registry };
        command.SetAction(Handler(async (parse, _, ct) =>
        {
            var args = new RegistryArguments(parse.GetValue(secret), parse.GetValue(kubeconfig), parse.GetValue(context), parse.GetValue(registry) ?? []);
            try
            {
                return await run(args, ct);
            }
            catch (KubernetesAccessException e)
            {
                await Host.Error.WriteLineAsync($"error: {TerminalText.Escape(e.Message)}");
                return ExitCodes.SourceUnavailable;
            }
        }));
        return command;
    }

    private async Task<int> LoginAsync(RegistryArguments args, CancellationToken cancellationToken)
    {
        if (args.Secret is null)
        {
            throw new UsageException("registry login: --secret NAMESPACE/NAME is required");
        }

        var credentials = await ReadCredentialsAsync(args, cancellationToken);
        var configPath = DockerConfigFile.Locate(Host.GetEnvironmentVariable);
        var results = await new RegistryLogin(Host.GetEnvironmentVariable).LoginAsync(configPath, credentials, cancellationToken);
        foreach (var result in results)
        {
            var where = result.Helper is null ? TerminalText.Escape(configPath) : $"docker-credential-{TerminalText.Escape(result.Helper)}";
            await Host.Out.WriteLineAsync($"{TerminalText.Escape(result.Server)}: logged in with secret {TerminalText.Escape(args.Secret)} (stored in {where})");
        }

        return ExitCodes.Success;
    }

    private async Task<int> LogoutAsync(RegistryArguments args, CancellationToken cancellationToken)
    {
        if (args.Secret is null && args.Registries.Count == 0)
        {
            throw new UsageException("registry logout: pass --secret NAMESPACE/NAME or --registry HOST");
        }

        IReadOnlyList<string> servers = args.Secret is null ? args.Registries : [.. (await ReadCredentialsAsync(args, cancellationToken)).Select(c => c.Server)];
        var configPath = DockerConfigFile.Locate(Host.GetEnvironmentVariable);
        var results = await new RegistryLogin(Host.GetEnvironmentVariable).LogoutAsync(configPath, servers, cancellationToken);
        foreach (var result in results)
        {
            await Host.Out.WriteLineAsync(result.Changed ? $"{TerminalText.Escape(result.Server)}: logged out" : $"{TerminalText.Escape(result.Server)}: was not logged in");
        }

        return ExitCodes.Success;
    }

    /// <summary>The secret's registries (only those of <c>--registry</c>, each of which must be there), read with the user's kubeconfig.</summary>
    private async Task<IReadOnlyList<RegistryCredential>> ReadCredentialsAsync(RegistryArguments args, CancellationToken cancellationToken)
    {
        var reader = UserSecretReader.FromKubectlConfig(args.Kubeconfig, args.Context, Host.GetEnvironmentVariable);
        var (@namespace, name) = SecretName(args);
        var secret = await reader.ReadAsync(@namespace, name, cancellationToken);
        var credentials = RegistryCredential.FromDockerConfigJson(secret.Type, secret.Data, secret.QualifiedName);
        if (args.Registries.Count == 0)
        {
            return credentials;
        }

        var missing = args.Registries.Where(r => credentials.All(c => c.Server != r)).ToList();
        return missing.Count == 0
            ? [.. credentials.Where(c => args.Registries.Contains(c.Server))]
            : throw new InputException($"secret {secret.QualifiedName} has no registry {string.Join(", ", missing)} (it has {string.Join(", ", credentials.Select(c => c.Server))})");
    }

    private (string Namespace, string Name) SecretName(RegistryArguments args)
    {
        var text = args.Secret!;
        var parts = text.Split('/');
        return parts switch
        {
            [var name] when name.Length > 0 => (KubeconfigNamespace.Resolve(Host, args.Kubeconfig, args.Context), name),
            [var ns, var name] when ns.Length > 0 && name.Length > 0 => (ns, name),
            _ => throw new UsageException($"--secret: \"{text}\" is not NAMESPACE/NAME"),
        };
    }
}
