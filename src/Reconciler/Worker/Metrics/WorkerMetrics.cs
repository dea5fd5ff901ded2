using GitOpsSecrets.Keys;
using GitOpsSecrets.Sync;

namespace GitOpsSecrets.Worker.Metrics;

/// <summary>
/// The worker's counters and gauges, rendered for <c>/metrics</c>. Bitnami's
/// <c>sealed_secrets_controller_*</c> names where the meaning is the same, so existing dashboards and
/// alerts keep working; ours under <c>gitops_secrets_*</c>. Labels are target names, results and reasons:
/// never anything taken from a Secret's data.
/// </summary>
public sealed class WorkerMetrics
{
    private static readonly double[] DurationBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private readonly Lock _lock = new();
    private readonly long[] _durationCounts = new long[DurationBuckets.Length];
    private readonly Dictionary<string, long> _syncs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Target, string Result), long> _objects = [];
    private readonly Dictionary<string, long> _unsealErrors = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Handler, string Method, int Code), long> _http = [];
    private readonly Dictionary<string, long> _certificatePublishes = new(StringComparer.Ordinal);
    private long _unverifiedRevisions;

    private readonly Dictionary<(string Target, string Kind, string Result), long> _rollouts = [];

    private readonly Dictionary<(string Result, string Reason), long> _clusterReconciles = [];
    private readonly Dictionary<(string Channel, string Result), long> _notifications = [];
    private double _durationSum;
    private long _durationCount;
    private long _unsealRequests;
    private DateTimeOffset? _lastSuccess;

    public void RecordSync(SyncReport report, TimeSpan duration, DateTimeOffset finishedAt)
    {
        lock (_lock)
        {
            ObserveDuration(duration);
            Increment(_syncs, report.Failed ? "failed" : report.HasFailures ? "partial" : "success");
            if (!report.HasFailures)
            {
                _lastSuccess = finishedAt;
            }

            if (report.StoppedAt == SyncFailure.Unverified)
            {
                _unverifiedRevisions++;
            }

            if (report.Errors.Count > 0)
            {
                _unsealErrors["fetch"] = _unsealErrors.GetValueOrDefault("fetch") + report.Errors.Count;
            }

            foreach (var target in report.Targets)
            {
                foreach (var result in target.Objects)
                {
                    var key = (target.Name, result.Kind.ToString().ToLowerInvariant());
                    _objects[key] = _objects.GetValueOrDefault(key) + 1;
                    if (UnsealErrorReason.Of(result) is { } reason)
                    {
                        Increment(_unsealErrors, reason);
                    }

                    if (result.Kind is ChangeKind.Create or ChangeKind.Update || UnsealErrorReason.Of(result) is "unseal" or "update")
                    {
                        _unsealRequests++;
                    }
                }

                foreach (var rollout in target.Rollouts)
                {
                    var key = (target.Name, rollout.Workload.Kind.ToString(), rollout.Succeeded ? "rolled" : "failed");
                    _rollouts[key] = _rollouts.GetValueOrDefault(key) + 1;
                }
            }
        }
    }

    /// <summary>A sync that ended without a report (cancelled or an unexpected error).</summary>
    public void RecordAbandonedSync(TimeSpan duration)
    {
        lock (_lock)
        {
            ObserveDuration(duration);
            Increment(_syncs, "failed");
        }
    }

    /// <summary>One attempt to publish the certificate: published, unchanged or failed.</summary>
    public void RecordCertificatePublish(string result)
    {
        lock (_lock)
        {
            Increment(_certificatePublishes, result);
        }
    }

    /// <summary>One SealedSecret resource reconciled by the cluster source (controller mode).</summary>
    public void RecordClusterResult(ObjectResult result)
    {
        lock (_lock)
        {
            var key = (result.Kind.ToString().ToLowerInvariant(), UnsealErrorReason.Of(result) ?? string.Empty);
            _clusterReconciles[key] = _clusterReconciles.GetValueOrDefault(key) + 1;
            if (UnsealErrorReason.Of(result) is { } reason)
            {
                Increment(_unsealErrors, reason);
            }

            if (result.Kind is ChangeKind.Create or ChangeKind.Update || UnsealErrorReason.Of(result) is "unseal" or "update")
            {
                _unsealRequests++;
            }
        }
    }

    /// <summary>
    /// One notification's fate on a channel (by its configured name): sent, failed (given up after its
    /// attempts or refused by the receiver) or dropped (pushed out of a full queue).
    /// </summary>
    public void RecordNotification(string channel, string result)
    {
        lock (_lock)
        {
            var key = (channel, result);
            _notifications[key] = _notifications.GetValueOrDefault(key) + 1;
        }
    }

    public void RecordHttp(string handler, string method, int code)
    {
        lock (_lock)
        {
            var key = (handler, method, code);
            _http[key] = _http.GetValueOrDefault(key) + 1;
        }
    }

    public string Render(KeyRing keys, bool leader, DateTimeOffset now)
    {
        var writer = new PrometheusTextWriter();
        lock (_lock)
        {
            writer.Family("gitops_secrets_sync_duration_seconds", "histogram", "Time one sync took, fetch to report.");
            long cumulative = 0;
            for (var i = 0; i < DurationBuckets.Length; i++)
            {
                cumulative += _durationCounts[i];
                writer.Sample("gitops_secrets_sync_duration_seconds_bucket", cumulative, ("le", PrometheusTextWriter.Format(DurationBuckets[i])));
            }

            writer.Sample("gitops_secrets_sync_duration_seconds_bucket", _durationCount, ("le", "+Inf"));
            writer.Sample("gitops_secrets_sync_duration_seconds_sum", _durationSum);
            writer.Sample("gitops_secrets_sync_duration_seconds_count", _durationCount);

            writer.Family("gitops_secrets_syncs_total", "counter", "Syncs run, by result (success, partial, failed).");
            foreach (var result in new[] { "success", "partial", "failed" })
            {
                writer.Sample("gitops_secrets_syncs_total", _syncs.GetValueOrDefault(result), ("result", result));
            }

            writer.Family("gitops_secrets_last_success_timestamp_seconds", "gauge", "Unix time of the last sync that applied everything; 0 before the first.");
            writer.Sample("gitops_secrets_last_success_timestamp_seconds", _lastSuccess?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);

            writer.Family("gitops_secrets_objects_total", "counter", "Secrets handled by syncs, by target and result (create, update, unchanged, delete, skipped, failed).");
            foreach (var ((target, result), count) in _objects.OrderBy(p => p.Key.Target, StringComparer.Ordinal).ThenBy(p => p.Key.Result, StringComparer.Ordinal))
            {
                writer.Sample("gitops_secrets_objects_total", count, ("target", target), ("result", result));
            }

            writer.Family("gitops_secrets_cluster_reconciles_total", "counter", "SealedSecret resources reconciled by the cluster source, by result (create, update, unchanged, skipped, failed) and failure reason.");
            foreach (var ((result, reason), count) in _clusterReconciles.OrderBy(p => p.Key.Result, StringComparer.Ordinal).ThenBy(p => p.Key.Reason, StringComparer.Ordinal))
            {
                writer.Sample("gitops_secrets_cluster_reconciles_total", count, ("source", "cluster"), ("result", result), ("reason", reason));
            }

            writer.Family("sealed_secrets_controller_unseal_requests_total", "counter", "SealedSecrets the worker tried to unseal and apply.");
            writer.Sample("sealed_secrets_controller_unseal_requests_total", _unsealRequests);

            writer.Family("sealed_secrets_controller_unseal_errors_total", "counter", "SealedSecrets that could not be applied, by reason (unseal, update, unmanaged, fetch, parse).");
            foreach (var reason in UnsealErrorReason.All)
            {
                writer.Sample("sealed_secrets_controller_unseal_errors_total", _unsealErrors.GetValueOrDefault(reason), ("reason", reason));
            }

            writer.Family("gitops_secrets_certificate_publishes_total", "counter", "Attempts to commit the newest certificate to the repository, by result (published, unchanged, failed).");
            foreach (var result in new[] { "published", "unchanged", "failed" })
            {
                writer.Sample("gitops_secrets_certificate_publishes_total", _certificatePublishes.GetValueOrDefault(result), ("result", result));
            }

            writer.Family("gitops_secrets_certificate_publish_failures_total", "counter", "Attempts to commit the newest certificate to the repository that failed (retried later).");
            writer.Sample("gitops_secrets_certificate_publish_failures_total", _certificatePublishes.GetValueOrDefault("failed"));

            writer.Family("gitops_secrets_unverified_revisions_total", "counter", "Syncs refused by source.verify: a new commit without a good signature from an allowed key (nothing of that revision was applied).");
            writer.Sample("gitops_secrets_unverified_revisions_total", _unverifiedRevisions);

            writer.Family("gitops_secrets_workload_rollouts_total", "counter", "Workloads rolled because Secrets they use changed, by target, kind and result (rolled, failed).");
            foreach (var ((target, kind, result), count) in _rollouts.OrderBy(p => p.Key.Target, StringComparer.Ordinal).ThenBy(p => p.Key.Kind, StringComparer.Ordinal).ThenBy(p => p.Key.Result, StringComparer.Ordinal))
            {
                writer.Sample("gitops_secrets_workload_rollouts_total", count, ("target", target), ("kind", kind), ("result", result));
            }

            writer.Family("gitops_secrets_notifications_total", "counter", "Notifications by channel and result (sent, failed, dropped).");
            foreach (var channel in _notifications.Keys.Select(k => k.Channel).Distinct().Order(StringComparer.Ordinal))
            {
                foreach (var result in NotificationResults.All)
                {
                    writer.Sample("gitops_secrets_notifications_total", _notifications.GetValueOrDefault((channel, result)), ("channel", channel), ("result", result));
                }
            }

            writer.Family("sealed_secrets_controller_http_requests_total", "counter", "HTTP requests served, by handler, method and status code.");
            foreach (var ((handler, method, code), count) in _http.OrderBy(p => p.Key.Handler, StringComparer.Ordinal).ThenBy(p => p.Key.Method, StringComparer.Ordinal).ThenBy(p => p.Key.Code))
            {
                writer.Sample("sealed_secrets_controller_http_requests_total", count, ("handler", handler), ("method", method), ("code", code.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        writer.Family("gitops_secrets_keys", "gauge", "Sealing keys known (all of them decrypt; the newest seals).");
        writer.Sample("gitops_secrets_keys", keys.Count);
        writer.Family("gitops_secrets_newest_key_age_seconds", "gauge", "Age of the newest sealing key, from its certificate's NotBefore; 0 without keys.");
        writer.Sample("gitops_secrets_newest_key_age_seconds", keys.Newest is { } newest ? Math.Max(0, Math.Round((now - newest.NotBefore).TotalSeconds)) : 0);
        writer.Family("gitops_secrets_is_leader", "gauge", "1 when this replica is the leader (syncs and renews keys), else 0.");
        writer.Sample("gitops_secrets_is_leader", leader ? 1 : 0);
        return writer.ToString();
    }

    private void ObserveDuration(TimeSpan duration)
    {
        var seconds = duration.TotalSeconds;
        _durationSum += seconds;
        _durationCount++;
        var bucket = Array.FindIndex(DurationBuckets, b => seconds <= b);
        if (bucket >= 0)
        {
            _durationCounts[bucket]++;
        }
    }

    private static void Increment(Dictionary<string, long> counters, string key) => counters[key] = counters.GetValueOrDefault(key) + 1;
}

/// <summary>The result label of <c>gitops_secrets_notifications_total</c>.</summary>
public static class NotificationResults
{
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string Dropped = "dropped";

    public static readonly IReadOnlyList<string> All = [Sent, Failed, Dropped];
}

/// <summary>Why a Secret was not applied, in Bitnami's reason vocabulary where it has a word for it.</summary>
public static class UnsealErrorReason
{
    public static readonly IReadOnlyList<string> All = ["unseal", "update", "unmanaged", "fetch", "parse"];

    /// <summary>The metric's reason label for a failed or skipped result, from the reason the engine recorded.</summary>
    public static string? Of(ObjectResult result) => result.Kind is ChangeKind.Failed or ChangeKind.Skipped
        ? result.Reason switch
        {
            FailureReason.Unseal => "unseal",
            FailureReason.Update => "update",
            FailureReason.Unmanaged => "unmanaged",
            _ => "parse",
        }
        : null;
}
