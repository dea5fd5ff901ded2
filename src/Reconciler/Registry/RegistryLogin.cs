namespace GitOpsSecrets.Registry;

/// <summary>Where one registry's credentials went (or were removed from): the file, or a helper.</summary>
public sealed record RegistryLoginResult(string Server, string? Helper, bool Changed);

/// <summary>
/// Merges registry credentials into docker's client configuration the way <c>docker login</c> does:
/// through the configured credential helper when there is one (config.json then keeps an empty entry, as
/// docker writes, and never the secret), else into <c>auths</c>; every other entry and key is kept.
/// <see cref="LogoutAsync"/> removes exactly the named servers.
/// </summary>
public sealed class RegistryLogin(Func<string, string?> environment)
{
    public async Task<IReadOnlyList<RegistryLoginResult>> LoginAsync(string configPath, IReadOnlyList<RegistryCredential> credentials, CancellationToken cancellationToken)
    {
        var config = DockerConfigFile.Load(configPath);
        var results = new List<RegistryLoginResult>();
        foreach (var credential in credentials)
        {
            if (config.HelperFor(credential.Server) is { } helper)
            {
                await new DockerCredentialHelper(helper, environment).StoreAsync(credential, cancellationToken);
                config.SetEntry(credential.Server, []);
                results.Add(new RegistryLoginResult(credential.Server, helper, true));
            }
            else
            {
                config.SetEntry(credential.Server, credential.ToConfigEntry());
                results.Add(new RegistryLoginResult(credential.Server, null, true));
            }
        }

        config.Save();
        return results;
    }

    public async Task<IReadOnlyList<RegistryLoginResult>> LogoutAsync(string configPath, IReadOnlyList<string> servers, CancellationToken cancellationToken)
    {
        var config = DockerConfigFile.Load(configPath);
        var results = new List<RegistryLoginResult>();
        foreach (var server in servers)
        {
            var helper = config.HelperFor(server);
            if (helper is not null)
            {
                await new DockerCredentialHelper(helper, environment).EraseAsync(server, cancellationToken);
            }

            results.Add(new RegistryLoginResult(server, helper, config.RemoveEntry(server) || helper is not null));
        }

        if (results.Any(r => r.Changed) && File.Exists(configPath))
        {
            config.Save();
        }

        return results;
    }
}
