namespace GitOpsSecrets.Configuration;

/// <summary>Checks a configuration (file plus flags) as a whole, with messages naming the field or flag.</summary>
public static class ConfigurationValidator
{
    public static void Validate(WorkerConfiguration configuration)
    {
        var problems = new List<string>();
        ValidateCluster(configuration, problems);
        if (!configuration.UsesGit && configuration.Cluster is not null)
        {
            // The cluster source alone: no repository, and its Secrets go next to their SealedSecrets, not to targets.
            Finish(problems);
            return;
        }

        if (string.IsNullOrWhiteSpace(configuration.Source.Url))
        {
            problems.Add(configuration.GitEnabled ? "source.url (--repo) is required" : "no source: sources.git is false and there is no sources.cluster");
        }

        if (string.IsNullOrWhiteSpace(configuration.Source.Ref))
        {
            problems.Add("source.ref (--ref) must not be empty");
        }

        if (configuration.Source.Interval <= TimeSpan.Zero)
        {
            problems.Add("source.interval (--interval) must be positive");
        }

        if (configuration.Worker.SyncTimeout <= TimeSpan.Zero)
        {
            problems.Add("worker.syncTimeout must be positive");
        }

        var uiAuth = configuration.Worker.Ui.Auth;
        if (new[] { uiAuth.BearerTokenFile, uiAuth.BearerTokenEnv, uiAuth.TrustedHeader }.Count(v => !string.IsNullOrEmpty(v)) > 1)
        {
            problems.Add("worker.ui.auth: choose one of bearerTokenFile, bearerTokenEnv and trustedHeader");
        }

        if (configuration.Keys.Directory is null && configuration.Keys.ClusterNamespace is null)
        {
            problems.Add("a key store is required: keys.directory or keys.clusterNamespace (--keys PATH or --keys cluster:NAMESPACE)");
        }

        if (configuration.Keys.RenewPeriod < TimeSpan.Zero)
        {
            problems.Add("keys.renewPeriod (--key-renew-period) must not be negative");
        }

        if (configuration.Keys.PublishCertificate is { } publish)
        {
            ValidatePublishCertificate(publish, problems);
        }

        if (configuration.Targets.Count == 0)
        {
            problems.Add("at least one target is required (targets, or --target directory:ROOT / --target kubernetes[:CONTEXT])");
        }

        foreach (var (target, index) in configuration.Targets.Select((t, i) => (t, i)))
        {
            var where = string.IsNullOrEmpty(target.Name) ? $"targets[{index}]" : $"target {target.Name}";
            if (string.IsNullOrEmpty(target.Name))
            {
                problems.Add($"{where}: name is required");
            }

            switch (target.Kind)
            {
                case "directory" when string.IsNullOrEmpty(target.Root):
                    problems.Add($"{where}: root is required for a directory target");
                    break;
                case "directory" or "kubernetes":
                    break;
                default:
                    problems.Add($"{where}: kind must be directory or kubernetes, not \"{target.Kind}\"");
                    break;
            }

            if (target.OnChangeExec is not null && (target.Kind != "directory" || target.OnChangeExec.Count == 0 || string.IsNullOrWhiteSpace(target.OnChangeExec[0])))
            {
                problems.Add($"{where}: onChange.exec must be a non-empty command list, and only a directory target runs it (a cluster target rolls workloads instead)");
            }
        }

        foreach (var target in configuration.Targets)
        {
            problems.AddRange(TenancyRules.Problems(target));
        }

        foreach (var duplicate in configuration.Targets.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1 && g.Key.Length > 0))
        {
            problems.Add($"target name \"{duplicate.Key}\" is used more than once");
        }

        // Two targets writing one directory would prune each other's Secrets (and wait on their own lock).
        var sharedRoots = configuration.Targets
            .Where(t => t.Kind == "directory" && !string.IsNullOrEmpty(t.Root))
            .GroupBy(t => Path.TrimEndingDirectorySeparator(Path.GetFullPath(t.Root!)), StringComparer.Ordinal)
            .Where(g => g.Count() > 1);
        foreach (var shared in sharedRoots)
        {
            problems.Add($"targets {string.Join(" and ", shared.Select(t => t.Name))} share the root {shared.Key}; give each directory target its own");
        }

        Finish(problems);
    }

    private static void Finish(List<string> problems)
    {
        if (problems.Count > 0)
        {
            throw new InputException("invalid configuration: " + string.Join("; ", problems));
        }
    }

    private static void ValidateCluster(WorkerConfiguration configuration, List<string> problems)
    {
        if (configuration.Cluster is not { } cluster)
        {
            return;
        }

        if (cluster.Resync <= TimeSpan.Zero)
        {
            problems.Add("sources.cluster.resync must be positive");
        }

        if (cluster.Parallelism < 1)
        {
            problems.Add("sources.cluster.parallelism must be at least 1");
        }

        if (cluster.Namespaces.Any(n => !Secrets.KubernetesNames.IsValidNamespace(n)))
        {
            problems.Add($"sources.cluster.namespaces: \"{cluster.Namespaces.First(n => !Secrets.KubernetesNames.IsValidNamespace(n))}\" is not a namespace name");
        }

        if (!configuration.UsesGit && configuration.Keys.Directory is null && configuration.Keys.ClusterNamespace is null)
        {
            problems.Add("a key store is required: keys.directory or keys.clusterNamespace (--keys PATH or --keys cluster:NAMESPACE)");
        }
    }

    private static void ValidatePublishCertificate(PublishCertificateConfiguration publish, List<string> problems)
    {
        var path = publish.Path?.Replace('\\', '/');
        if (string.IsNullOrWhiteSpace(path))
        {
            problems.Add("keys.publishCertificate.path (--publish-certificate-path) is required: the repository path of the certificate file");
        }
        else if (path.StartsWith('/') || path.EndsWith('/') || path.Split('/').Any(part => part is "" or "." or ".." or ".git"))
        {
            problems.Add($"keys.publishCertificate.path (--publish-certificate-path) \"{publish.Path}\" must be a relative file path inside the repository (no /, ., .. or .git parts)");
        }

        if (publish.Branch is { } branch && (branch.Trim().Length == 0 || branch.Contains(' ', StringComparison.Ordinal) || branch.Contains("..", StringComparison.Ordinal) || branch.StartsWith("refs/", StringComparison.Ordinal)))
        {
            problems.Add($"keys.publishCertificate.branch (--publish-certificate-branch) \"{branch}\" is not a branch name (example: main)");
        }

        if (!CommitAuthor.TryParse(publish.Author, out _))
        {
            problems.Add($"keys.publishCertificate.author \"{publish.Author}\" is not \"Name <email>\"");
        }

        if (string.IsNullOrWhiteSpace(publish.Message))
        {
            problems.Add("keys.publishCertificate.message must not be empty");
        }
    }
}
