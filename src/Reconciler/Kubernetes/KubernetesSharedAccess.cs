using GitOpsSecrets.Targets;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace GitOpsSecrets.Kubernetes;

/// <summary>
/// A SharedSecret's cluster side besides the Secret: one Role (exactly <c>resourceNames: [secret]</c>) and
/// one RoleBinding per verb set, labelled and annotated like our Secrets and owned by the Secret (so the
/// garbage collector removes them with it); and <c>imagePullSecrets</c> entries on ServiceAccounts, applied
/// recorded in an annotation so that entries others added are never touched.
/// </summary>
public sealed class KubernetesSharedAccess(string targetName, IKubernetes client, ApiCaller api, ILogger logger) : ISharedAccessTarget
{
    /// <summary>The field manager of image pull attachments, apart from the Secrets'.</summary>
    public const string PullFieldManager = "gitops-secrets-imagepull";

    /// <summary>On a ServiceAccount: the <c>imagePullSecrets</c> names we added, comma-separated; only these are ever removed.</summary>
    public const string PullSecretsAnnotation = ManagedMetadata.AnnotationPrefix + "image-pull-secrets";

    /// <summary>Marks our Roles and RoleBindings made for SharedSecrets (beside the managed-by label).</summary>
    public const string SharedSecretAnnotation = ManagedMetadata.AnnotationPrefix + "shared-secret";

    private const string RbacGroup = "rbac.authorization.k8s.io";
    private const string RbacApiVersion = RbacGroup + "/v1";

    public async Task<IReadOnlyList<NamespaceInfo>> ListNamespacesAsync(CancellationToken cancellationToken)
    {
        var list = await Call("listing namespaces", ct => client.CoreV1.ListNamespaceAsync(cancellationToken: ct), cancellationToken);
        return list.Items.Where(n => n.Metadata?.DeletionTimestamp is null)
            .Select(n => new NamespaceInfo(n.Metadata.Name, (IReadOnlyDictionary<string, string>?)n.Metadata.Labels?.ToDictionary(StringComparer.Ordinal) ?? new Dictionary<string, string>()))
            .ToList();
    }

    public async Task<IReadOnlyList<ObservedGrant>> ObserveGrantsAsync(CancellationToken cancellationToken)
    {
        var roles = await Call("listing Roles", ct => client.RbacAuthorizationV1.ListRoleForAllNamespacesAsync(labelSelector: SecretObjects.ManagedSelector, cancellationToken: ct), cancellationToken);
        var bindings = await Call("listing RoleBindings", ct => client.RbacAuthorizationV1.ListRoleBindingForAllNamespacesAsync(labelSelector: SecretObjects.ManagedSelector, cancellationToken: ct), cancellationToken);
        var roleById = roles.Items.Where(r => IsShared(r.Metadata)).ToDictionary(r => (r.Metadata.NamespaceProperty, r.Metadata.Name));
        var bindingById = bindings.Items.Where(b => IsShared(b.Metadata)).ToDictionary(b => (b.Metadata.NamespaceProperty, b.Metadata.Name));
        return roleById.Keys.Union(bindingById.Keys).Select(id =>
        {
            var role = roleById.GetValueOrDefault(id);
            var binding = bindingById.GetValueOrDefault(id);
            var rule = role?.Rules is [{ } only] && only.ApiGroups is [""] && only.Resources is ["secrets"] ? only : null;
            return new ObservedGrant
            {
                Namespace = id.NamespaceProperty,
                Name = id.Name,
                Source = (role?.Metadata ?? binding?.Metadata)?.Annotations is { } annotations && annotations.TryGetValue(ManagedMetadata.SourceAnnotation, out var source) ? source : null,
                Verbs = rule?.Verbs?.ToList(),
                ResourceNames = rule?.ResourceNames?.ToList(),
                Subjects = binding is { RoleRef: { Kind: "Role" } roleRef } && roleRef.Name == id.Name
                    ? (binding.Subjects ?? []).Select(s => new RbacSubject(s.Kind, s.Name, s.Kind == RbacSubject.ServiceAccount ? s.NamespaceProperty : null)).ToList()
                    : null,
            };
        }).ToList();
    }

    public async Task ApplyGrantAsync(AccessGrant grant, CancellationToken cancellationToken)
    {
        var secret = await ReadSecretAsync(grant, cancellationToken);
        await RefuseForeignAsync(grant, cancellationToken);
        var metadata = new Dictionary<string, object?>
        {
            ["name"] = grant.Name,
            ["namespace"] = grant.Namespace,
            ["labels"] = new Dictionary<string, string> { [ManagedMetadata.ManagedByLabel] = ManagedMetadata.ManagedByValue },
            ["annotations"] = new Dictionary<string, string>
            {
                [ManagedMetadata.SourceAnnotation] = grant.Source,
                [ManagedMetadata.RevisionAnnotation] = grant.Revision,
                [SharedSecretAnnotation] = grant.SecretName,
            },
            ["ownerReferences"] = new[]
            {
                new Dictionary<string, object?> { ["apiVersion"] = "v1", ["kind"] = "Secret", ["name"] = grant.SecretName, ["uid"] = secret.Metadata.Uid },
            },
        };
        var role = new Dictionary<string, object?>
        {
            ["apiVersion"] = RbacApiVersion,
            ["kind"] = "Role",
            ["metadata"] = metadata,
            ["rules"] = new[]
            {
                new Dictionary<string, object?> { ["apiGroups"] = new[] { string.Empty }, ["resources"] = new[] { "secrets" }, ["resourceNames"] = new[] { grant.SecretName }, ["verbs"] = grant.Verbs.ToArray() },
            },
        };
        var binding = new Dictionary<string, object?>
        {
            ["apiVersion"] = RbacApiVersion,
            ["kind"] = "RoleBinding",
            ["metadata"] = metadata,
            ["roleRef"] = new Dictionary<string, object?> { ["apiGroup"] = RbacGroup, ["kind"] = "Role", ["name"] = grant.Name },
            ["subjects"] = grant.Subjects.Select(SubjectBody).ToArray(),
        };

        // Ours by label and name: force takes back fields someone edited (drift), as for our Secrets.
        await Call($"applying Role {grant}", ct => client.RbacAuthorizationV1.PatchNamespacedRoleAsync(new V1Patch(role, V1Patch.PatchType.ApplyPatch), grant.Name, grant.Namespace, fieldManager: KubernetesTarget.FieldManager, force: true, cancellationToken: ct), cancellationToken);
        await Call($"applying RoleBinding {grant}", ct => client.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(new V1Patch(binding, V1Patch.PatchType.ApplyPatch), grant.Name, grant.Namespace, fieldManager: KubernetesTarget.FieldManager, force: true, cancellationToken: ct), cancellationToken);
        logger.LogInformation("Applied Role and RoleBinding {Grant} in {Target}: {Verbs} for {Subjects}", grant.ToString(), targetName, string.Join(",", grant.Verbs), string.Join(", ", grant.Subjects));
    }

    public async Task DeleteGrantAsync(ObservedGrant grant, CancellationToken cancellationToken)
    {
        // The binding first: for the moment between the two deletes, nobody holds a grant.
        var binding = await ReadOrNull(ct => client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(grant.Name, grant.Namespace, cancellationToken: ct), cancellationToken);
        if (binding is not null && IsShared(binding.Metadata))
        {
            await DeleteOrGone($"deleting RoleBinding {grant}", ct => client.RbacAuthorizationV1.DeleteNamespacedRoleBindingAsync(grant.Name, grant.Namespace, Preconditions(binding.Metadata), cancellationToken: ct), cancellationToken);
        }

        var role = await ReadOrNull(ct => client.RbacAuthorizationV1.ReadNamespacedRoleAsync(grant.Name, grant.Namespace, cancellationToken: ct), cancellationToken);
        if (role is not null && IsShared(role.Metadata))
        {
            await DeleteOrGone($"deleting Role {grant}", ct => client.RbacAuthorizationV1.DeleteNamespacedRoleAsync(grant.Name, grant.Namespace, Preconditions(role.Metadata), cancellationToken: ct), cancellationToken);
        }

        logger.LogInformation("Deleted Role and RoleBinding {Grant} from {Target}", grant.ToString(), targetName);
    }

    public async Task<IReadOnlyList<ObservedServiceAccount>> ObserveServiceAccountsAsync(IReadOnlyCollection<string> namespaces, CancellationToken cancellationToken)
    {
        var found = new List<ObservedServiceAccount>();
        foreach (var @namespace in namespaces.Order(StringComparer.Ordinal))
        {
            var list = await Call($"listing ServiceAccounts in namespace {@namespace}", ct => client.CoreV1.ListNamespacedServiceAccountAsync(@namespace, cancellationToken: ct), cancellationToken);
            found.AddRange(list.Items.Select(sa => new ObservedServiceAccount(@namespace, sa.Metadata.Name, PullSecretNames(sa), OurPullSecrets(sa), sa.Metadata.ResourceVersion)));
        }

        return found;
    }

    public async Task SetPullSecretsAsync(ObservedServiceAccount account, IReadOnlyList<string> ours, CancellationToken cancellationToken)
    {
        // ServiceAccount.imagePullSecrets is an atomic list to the API server (no merge key), so a server-side
        // apply would own, and on removal drop, the whole list, entries of others included. Instead the list is
        // rewritten from the observed one, others' entries kept in place, by a merge patch conditioned on the
        // observed resourceVersion (a concurrent change makes it fail, and the next sync tries again); the
        // entries we added are recorded in an annotation, so only they are ever removed.
        var wanted = ours.ToHashSet(StringComparer.Ordinal);
        var previouslyOurs = account.OurPullSecrets.ToHashSet(StringComparer.Ordinal);
        var list = account.PullSecrets.Where(n => !previouslyOurs.Contains(n) || wanted.Contains(n)).ToList();
        list.AddRange(ours.Where(n => !list.Contains(n, StringComparer.Ordinal)));
        var recorded = ours.Where(n => previouslyOurs.Contains(n) || !account.PullSecrets.Contains(n, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var patch = new Dictionary<string, object?>
        {
            ["metadata"] = new Dictionary<string, object?>
            {
                ["resourceVersion"] = account.ResourceVersion,
                ["annotations"] = new Dictionary<string, object?> { [PullSecretsAnnotation] = recorded.Count == 0 ? null : string.Join(",", recorded) },
            },
            ["imagePullSecrets"] = list.Count == 0 ? null : list.Select(n => new Dictionary<string, object?> { ["name"] = n }).ToArray(),
        };
        await Call($"attaching pull secrets to ServiceAccount {account.Namespace}/{account.Name}", ct => client.CoreV1.PatchNamespacedServiceAccountAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), account.Name, account.Namespace, fieldManager: PullFieldManager, cancellationToken: ct), cancellationToken);
        logger.LogInformation("ServiceAccount {Namespace}/{ServiceAccount} in {Target}: our imagePullSecrets are now [{Secrets}]", account.Namespace, account.Name, targetName, string.Join(", ", ours));
    }

    /// <summary>The pull secrets we added to the ServiceAccount and that it still lists (our annotation, checked against the list).</summary>
    public static IReadOnlyList<string> OurPullSecrets(V1ServiceAccount account)
    {
        var recorded = account.Metadata?.Annotations is { } annotations && annotations.TryGetValue(PullSecretsAnnotation, out var value) ? value.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
        var present = PullSecretNames(account);
        return recorded.Where(n => present.Contains(n, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    private static List<string> PullSecretNames(V1ServiceAccount account) =>
        (account.ImagePullSecrets ?? []).Select(r => r.Name).OfType<string>().ToList();

    private static Dictionary<string, object?> SubjectBody(RbacSubject subject) => subject.Kind == RbacSubject.ServiceAccount
        ? new Dictionary<string, object?> { ["kind"] = subject.Kind, ["name"] = subject.Name, ["namespace"] = subject.Namespace }
        : new Dictionary<string, object?> { ["kind"] = subject.Kind, ["apiGroup"] = RbacGroup, ["name"] = subject.Name };

    private static bool IsShared(V1ObjectMeta? metadata) =>
        metadata?.Labels is { } labels && labels.TryGetValue(ManagedMetadata.ManagedByLabel, out var managedBy) && managedBy == ManagedMetadata.ManagedByValue
        && metadata.Annotations?.ContainsKey(SharedSecretAnnotation) == true;

    private static V1DeleteOptions Preconditions(V1ObjectMeta metadata) =>
        new() { Preconditions = new V1Preconditions { Uid = metadata.Uid, ResourceVersion = metadata.ResourceVersion } };

    /// <summary>The Secret the grant is about: its uid owns the Role and RoleBinding. Missing means it was not written; nothing is granted.</summary>
    private async Task<V1Secret> ReadSecretAsync(AccessGrant grant, CancellationToken cancellationToken)
    {
        var secret = await ReadOrNull(ct => client.CoreV1.ReadNamespacedSecretAsync(grant.SecretName, grant.Namespace, cancellationToken: ct), cancellationToken);
        return secret is not null && SecretObjects.IsManaged(secret)
            ? secret
            : throw new TargetException($"Role {grant}: Secret {grant.Namespace}/{grant.SecretName} is not there as ours; no access granted");
    }

    /// <summary>A Role or RoleBinding of that name that someone else made is left alone: never clobbered.</summary>
    private async Task RefuseForeignAsync(AccessGrant grant, CancellationToken cancellationToken)
    {
        var role = await ReadOrNull(ct => client.RbacAuthorizationV1.ReadNamespacedRoleAsync(grant.Name, grant.Namespace, cancellationToken: ct), cancellationToken);
        var binding = await ReadOrNull(ct => client.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync(grant.Name, grant.Namespace, cancellationToken: ct), cancellationToken);
        if ((role is not null && !IsShared(role.Metadata)) || (binding is not null && !IsShared(binding.Metadata)))
        {
            throw new TargetException($"{grant}: a Role or RoleBinding of that name exists and is not ours; left alone");
        }
    }

    private async Task<T> Call<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await api.CallAsync(what, call, cancellationToken);
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"{what} in {targetName} failed: {ApiCaller.Describe(e)}", e);
        }
    }

    private async Task<T?> ReadOrNull<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await api.CallAsync("reading", call, cancellationToken);
        }
        catch (HttpOperationException e) when (ApiCaller.StatusCode(e) == 404)
        {
            return null;
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"reading in {targetName} failed: {ApiCaller.Describe(e)}", e);
        }
    }

    private async Task DeleteOrGone(string what, Func<CancellationToken, Task<V1Status>> call, CancellationToken cancellationToken)
    {
        try
        {
            await api.CallAsync(what, call, cancellationToken);
        }
        catch (HttpOperationException e) when (ApiCaller.StatusCode(e) == 404)
        {
            // Gone already (the garbage collector, or someone else): what a delete wants.
        }
        catch (HttpOperationException e)
        {
            throw new TargetException($"{what} in {targetName} failed: {ApiCaller.Describe(e)}", e);
        }
    }
}
