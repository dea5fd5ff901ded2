using GitOpsSecrets.Restarts;
using k8s.Models;

namespace GitOpsSecrets.Kubernetes;

/// <summary>Reads how a pod template uses Secrets, for <see cref="RestartPlanner"/>.</summary>
public static class WorkloadPodSpecs
{
    /// <summary>
    /// Every Secret use: volumes and projected volumes (only their items' keys when items are listed),
    /// env valueFrom.secretKeyRef (only that key), envFrom.secretRef and imagePullSecrets (whole Secret),
    /// in init and regular containers.
    /// </summary>
    public static IReadOnlyList<SecretUse> SecretUses(V1PodSpec? spec)
    {
        var uses = new List<SecretUse>();
        if (spec is null)
        {
            return uses;
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume.Secret?.SecretName is { Length: > 0 } name)
            {
                uses.Add(Use(name, volume.Secret.Items));
            }

            foreach (var source in volume.Projected?.Sources ?? [])
            {
                if (source.Secret?.Name is { Length: > 0 } projected)
                {
                    uses.Add(Use(projected, source.Secret.Items));
                }
            }
        }

        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            foreach (var env in container.Env ?? [])
            {
                if (env.ValueFrom?.SecretKeyRef is { Name.Length: > 0 } reference)
                {
                    uses.Add(SecretUse.Only(reference.Name, reference.Key));
                }
            }

            foreach (var source in container.EnvFrom ?? [])
            {
                if (source.SecretRef?.Name is { Length: > 0 } name)
                {
                    uses.Add(SecretUse.Whole(name));
                }
            }
        }

        foreach (var pullSecret in spec.ImagePullSecrets ?? [])
        {
            if (pullSecret.Name is { Length: > 0 } name)
            {
                uses.Add(SecretUse.Whole(name));
            }
        }

        return uses;
    }

    private static SecretUse Use(string name, IList<V1KeyToPath>? items) =>
        items is { Count: > 0 } ? SecretUse.Only(name, items.Select(i => i.Key).ToArray()) : SecretUse.Whole(name);
}
