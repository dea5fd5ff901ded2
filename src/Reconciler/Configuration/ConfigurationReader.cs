using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOpsSecrets.IO;
using GitOpsSecrets.Manifests;

namespace GitOpsSecrets.Configuration;

/// <summary>
/// Reads the configuration file strictly: an unknown field is an error naming it and its line (a typo
/// must not silently fall back to a default), and so is a value of the wrong type.
/// </summary>
public static class ConfigurationReader
{
    public static WorkerConfiguration ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new InputException($"{path}: no such configuration file");
        }

        var document = ManifestReader.ReadSingle(BoundedInput.ReadFile(path), path);
        return Read(document);
    }

    public static WorkerConfiguration Read(ManifestDocument document)
    {
        var root = new Fields(document, document.Root as JsonObject ?? throw document.Error(document.Root, "the configuration must be a mapping"), string.Empty);
        var configuration = new WorkerConfiguration();
        void ReadSource(Fields source)
        {
            var s = configuration.Source;
            s.Url = source.String("url");
            s.Ref = source.String("ref") ?? s.Ref;
            s.Paths = source.StringList("paths") ?? s.Paths;
            s.Interval = source.Duration("interval") ?? s.Interval;
            s.CacheDir = source.String("cacheDir");
            source.Object("auth", auth =>
            {
                s.Auth.TokenFile = auth.String("tokenFile");
                s.Auth.Username = auth.String("username");
                s.Auth.SshKeyFile = auth.String("sshKeyFile");
                s.Auth.KnownHostsFile = auth.String("knownHostsFile");
            });
            source.Object("verify", verify =>
            {
                var v = s.Verify = new CommitVerificationConfiguration();
                v.Mode = verify.String("mode");
                v.AllowedSigners = verify.String("allowedSigners");
                v.Keyring = verify.String("keyring");
                v.Since = verify.String("since");
            });
        }

        root.Object("source", ReadSource);
        ReadSources(root, configuration, ReadSource);
        root.Object("keys", keys =>
        {
            var k = configuration.Keys;
            k.Directory = keys.String("directory");
            k.ClusterNamespace = keys.String("clusterNamespace");
            k.Kubeconfig = keys.String("kubeconfig");
            k.Context = keys.String("context");
            k.RenewPeriod = keys.Duration("renewPeriod") ?? k.RenewPeriod;
            k.CutoffTime = keys.Time("cutoffTime");
            k.RetireAfter = keys.Duration("retireAfter");
            k.DeleteRetiredAfter = keys.Duration("deleteRetiredAfter");
            keys.Object("publishCertificate", publish =>
            {
                var p = k.PublishCertificate = new PublishCertificateConfiguration();
                p.Path = publish.String("path");
                p.Branch = publish.String("branch");
                p.Author = publish.String("author") ?? p.Author;
                p.Message = publish.String("message") ?? p.Message;
            });
        });
        configuration.Targets = root.ObjectList("targets", target => ReadOnChange(target, new TargetConfiguration
        {
            Name = target.String("name") ?? string.Empty,
            Kind = target.String("kind") ?? string.Empty,
            Paths = target.StringList("paths") ?? [],
            Prune = target.Bool("prune") ?? true,
            Root = target.String("root"),
            FileMode = target.String("fileMode"),
            KeyModes = target.StringMap("keyModes") ?? new(StringComparer.Ordinal),
            Kubeconfig = target.String("kubeconfig"),
            Context = target.String("context"),
            ForceConflicts = target.Bool("forceConflicts") ?? false,
            CreateNamespaces = target.Bool("createNamespaces") ?? false,
            RestartWorkloads = target.Bool("restartWorkloads") ?? true,
            Namespaces = target.ObjectList("namespaces", rule => new NamespaceRule
            {
                Path = rule.String("path") ?? string.Empty,
                Allow = rule.StringList("allow") ?? [],
            }) ?? [],
        })) ?? [];
        root.Object("worker", worker =>
        {
            var w = configuration.Worker;
            w.Listen = worker.String("listen") ?? w.Listen;
            w.LeaderElect = worker.Bool("leaderElect") ?? w.LeaderElect;
            w.LeaseName = worker.String("leaseName") ?? w.LeaseName;
            w.LeaseNamespace = worker.String("leaseNamespace");
            w.LeaseDuration = worker.Duration("leaseDuration") ?? w.LeaseDuration;
            w.Jitter = worker.Number("jitter") ?? w.Jitter;
            w.SyncHookTokenFile = worker.String("syncHookTokenFile");
            w.SyncTimeout = worker.Duration("syncTimeout") ?? w.SyncTimeout;
            worker.BoolOrObject("ui", enabled => w.Ui.Enabled = enabled, ui =>
            {
                w.Ui.Enabled = ui.Bool("enabled") ?? true;
                ui.Object("auth", auth =>
                {
                    w.Ui.Auth.BearerTokenFile = auth.String("bearerTokenFile");
                    w.Ui.Auth.BearerTokenEnv = auth.String("bearerTokenEnv");
                    w.Ui.Auth.TrustedHeader = auth.String("trustedHeader");
                });
            });
        });
        configuration.Notifications = root.ObjectList("notifications", notification =>
        {
            var n = new NotificationConfiguration
            {
                Name = notification.String("name") ?? string.Empty,
                Kind = notification.String("kind") ?? string.Empty,
                Url = notification.String("url"),
                UrlFile = notification.String("urlFile"),
                UrlEnv = notification.String("urlEnv"),
                SecretFile = notification.String("secretFile"),
                SecretEnv = notification.String("secretEnv"),
                TokenFile = notification.String("tokenFile"),
                TokenEnv = notification.String("tokenEnv"),
                ApiUrl = notification.String("apiUrl"),
                Repository = notification.String("repository"),
                Project = notification.String("project"),
                Targets = notification.StringList("targets") ?? [],
            };
            n.Context = notification.String("context") ?? n.Context;
            n.Timeout = notification.Duration("timeout") ?? n.Timeout;
            n.MaxAttempts = (int?)notification.Number("maxAttempts") ?? n.MaxAttempts;
            return n;
        }) ?? [];
        root.RejectUnknown();
        return configuration;
    }

    private static TargetConfiguration ReadOnChange(Fields target, TargetConfiguration configuration)
    {
        target.Object("onChange", onChange =>
        {
            configuration.OnChangeExec = onChange.StringList("exec");
            configuration.OnChangeTimeout = onChange.Duration("timeout");
        });
        return configuration;
    }

    /// <summary>
    /// <c>sources:</c> the git source (<c>git:</c> false, or the fields of <c>source:</c>) and the cluster
    /// source (<c>cluster:</c>), either or both; <c>source:</c> alone stays the git source as before.
    /// </summary>
    private static void ReadSources(Fields root, WorkerConfiguration configuration, Action<Fields> readSource)
    {
        root.Object("sources", sources =>
        {
            if (sources.Has("git"))
            {
                if (!sources.IsMapping("git"))
                {
                    configuration.GitEnabled = sources.Bool("git") ?? true;
                }
                else
                {
                    if (configuration.Source.Url is not null)
                    {
                        throw sources.Fail("git", "and source: both configure the git source; keep one");
                    }

                    sources.Object("git", readSource);
                }
            }

            sources.Object("cluster", cluster =>
            {
                var c = configuration.Cluster = new ClusterSourceConfiguration();
                c.Namespaces = cluster.StringList("namespaces") ?? c.Namespaces;
                c.Resync = cluster.Duration("resync") ?? c.Resync;
                c.Parallelism = (int?)cluster.Number("parallelism") ?? c.Parallelism;
                c.UpdateStatus = cluster.Bool("updateStatus") ?? c.UpdateStatus;
                c.Kubeconfig = cluster.String("kubeconfig");
                c.Context = cluster.String("context");
            });
        });
    }

    /// <summary>Reads the fields of one mapping and remembers which were read, to reject the rest.</summary>
    private sealed class Fields(ManifestDocument document, JsonObject node, string path)
    {
        private readonly HashSet<string> _read = new(StringComparer.Ordinal);

        public string? String(string key) => Read(key) switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when WholeNumber(v) is { } text => text,
            var other => throw Error(other, key, "must be a string" + QuoteHint(other)),
        };

        public bool? Bool(string key) => Read(key) switch
        {
            null => null,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            var other => throw Error(other, key, "must be true or false"),
        };

        public double? Number(string key) => Read(key) switch
        {
            null => null,
            // A whole number ("jitter: 0") is read as an integer; widen it rather than fail the cast.
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.TryGetValue<double>(out var d) ? d : v.GetValue<long>(),
            var other => throw Error(other, key, "must be a number"),
        };

        public TimeSpan? Duration(string key) => String(key) is { } text
            ? Durations.TryParse(text, out var value) ? value : throw Error(node[key], key, $"\"{text}\" is not a duration (examples: 30s, 5m, 720h)")
            : null;

        public DateTimeOffset? Time(string key) => String(key) is { } text
            ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : throw Error(node[key], key, $"\"{text}\" is not a date and time (example: 2026-11-23T00:00:00Z)")
            : null;

        public List<string>? StringList(string key) => Read(key) switch
        {
            null => null,
            JsonArray array => array.Select((item, i) => item is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Error(item, $"{key}[{i}]", "must be a string")).ToList(),
            var other => throw Error(other, key, "must be a list of strings"),
        };

        public Dictionary<string, string>? StringMap(string key) => Read(key) switch
        {
            null => null,
            JsonObject map => map.ToDictionary(
                p => p.Key,
                p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
                    : p.Value is JsonValue n && WholeNumber(n) is { } text ? text
                    : throw Error(p.Value, $"{key}.{p.Key}", "must be a string" + QuoteHint(p.Value)),
                StringComparer.Ordinal),
            var other => throw Error(other, key, "must be a mapping"),
        };

        public bool Has(string key) => node.ContainsKey(key);

        public bool IsMapping(string key) => node[key] is JsonObject;

        public ManifestException Fail(string key, string message) => Error(node[key], key, message);

        public void Object(string key, Action<Fields> read)
        {
            switch (Read(key))
            {
                case null:
                    return;
                case JsonObject child:
                    var fields = new Fields(document, child, Join(key));
                    read(fields);
                    fields.RejectUnknown();
                    return;
                case var other:
                    throw Error(other, key, "must be a mapping");
            }
        }

        /// <summary>A field that is either <c>true</c>/<c>false</c> or a mapping of settings (<c>worker.ui</c>).</summary>
        public void BoolOrObject(string key, Action<bool> readBool, Action<Fields> read)
        {
            switch (node[key])
            {
                case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                    _read.Add(key);
                    readBool(v.GetValue<bool>());
                    return;
                case null or JsonObject:
                    Object(key, read);
                    return;
                case var other:
                    _read.Add(key);
                    throw Error(other, key, "must be true, false or a mapping");
            }
        }

        public List<T>? ObjectList<T>(string key, Func<Fields, T> read) => Read(key) switch
        {
            null => null,
            JsonArray array => array.Select((item, i) =>
            {
                var fields = new Fields(document, item as JsonObject ?? throw Error(item, $"{key}[{i}]", "must be a mapping"), Join($"{key}[{i}]"));
                var value = read(fields);
                fields.RejectUnknown();
                return value;
            }).ToList(),
            var other => throw Error(other, key, "must be a list"),
        };

        public void RejectUnknown()
        {
            var unknown = node.Where(p => !_read.Contains(p.Key)).ToList();
            if (unknown.Count > 0)
            {
                throw document.Error(unknown[0].Value ?? node, $"unknown field {string.Join(", ", unknown.Select(u => $"\"{Join(u.Key)}\""))} (known here: {string.Join(", ", _read.Order(StringComparer.Ordinal))})");
            }
        }

        private JsonNode? Read(string key)
        {
            _read.Add(key);
            return node[key];
        }

        private string Join(string key) => path.Length == 0 ? key : $"{path}.{key}";

        private ManifestException Error(JsonNode? at, string key, string message) => document.Error(at ?? node, $"{Join(key)} {message}");

        /// <summary>
        /// The text of a plain whole number (<c>ref: 1234</c>, <c>renewPeriod: 0</c>). Any other number is
        /// refused: YAML has already rewritten it (1.10 → 1.1, 0440 → 440), so its text is lost.
        /// </summary>
        private static string? WholeNumber(JsonValue value) =>
            value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var whole) ? whole.ToString(CultureInfo.InvariantCulture) : null;

        private static string QuoteHint(JsonNode? node) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? " (quote it: YAML reads it as a number)" : string.Empty;
    }
}
