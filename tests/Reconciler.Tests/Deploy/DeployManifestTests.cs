using System.Text;
using System.Text.Json.Nodes;
using GitOpsSecrets.Configuration;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Deploy;

public sealed class DeployManifestTests
{
    private static readonly HashSet<string> ClusterScopedKinds = ["Namespace", "ClusterRole", "ClusterRoleBinding"];

    [Fact]
    public void Kustomization_ListsEveryManifest_AndNothingMissing()
    {
        var kustomization = RepositoryFiles.Document("deploy/kustomization.yaml");

        kustomization.Str("kind").ShouldBe("Kustomization");
        kustomization.Strings("resources").Order(StringComparer.Ordinal).ToList().ShouldBe(DeployManifests.Files.ToList(), "kustomization.yaml resources must be exactly the deploy/*.yaml manifests");
    }

    [Fact]
    public void EveryObject_IsNamedAndLivesInTheWorkerNamespace()
    {
        foreach (var (file, obj) in DeployManifests.Objects)
        {
            obj.Str("apiVersion").ShouldNotBeNullOrEmpty($"{file}: apiVersion");
            obj.Str("metadata.name").ShouldNotBeNullOrEmpty($"{file}: metadata.name");
            var kind = obj.Str("kind");
            if (ClusterScopedKinds.Contains(kind!))
            {
                obj.Str("metadata.namespace").ShouldBeNull($"{file}: a {kind} is cluster-scoped");
            }
            else
            {
                obj.Str("metadata.namespace").ShouldBe(DeployManifests.Namespace, $"{file}: {kind} {obj.Str("metadata.name")}");
            }
        }

        DeployManifests.Single("Namespace").Str("metadata.name").ShouldBe(DeployManifests.Namespace);
        DeployManifests.Objects.Select(o => o.Object.Str("kind")).Distinct().Order(StringComparer.Ordinal).ShouldBe(
            ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Namespace", "Role", "RoleBinding", "Service", "ServiceAccount"]);
    }

    [Fact]
    public void Service_IsWhatKubesealFindsThroughTheApiServerProxy()
    {
        // kubeseal --controller-name sealed-secrets-controller --controller-namespace gitops-secrets --fetch-cert
        // GETs /api/v1/namespaces/gitops-secrets/services/http:sealed-secrets-controller:/proxy/v1/cert.pem:
        // an empty port name, which only a Service with one unnamed port answers.
        var service = DeployManifests.Single("Service", "sealed-secrets-controller");
        var port = service.Arr("spec.ports").ShouldHaveSingleItem().ShouldBeOfType<JsonObject>();

        port.Str("name").ShouldBeNullOrEmpty("the single port must be unnamed for kubeseal's http:NAME: proxy path");
        port.Str("port").ShouldBe("8080");
        var containerPort = DeployManifests.Container.Arr("ports").OfType<JsonObject>()
            .SingleOrDefault(p => p.Str("name") == port.Str("targetPort") || p.Str("containerPort") == port.Str("targetPort"));
        containerPort.ShouldNotBeNull($"targetPort {port.Str("targetPort")} must be a port of the worker container");
        containerPort.Str("containerPort").ShouldBe("8080");

        var podLabels = DeployManifests.Deployment.Obj("spec.template.metadata.labels");
        foreach (var (key, value) in service.Obj("spec.selector"))
        {
            podLabels[key]?.ToString().ShouldBe(value?.ToString(), $"Service selector {key} must match the pod labels");
        }
    }

    [Fact]
    public void Deployment_RunsTwoLeaderElectedReplicasOfTheWorker()
    {
        var deployment = DeployManifests.Deployment;
        var args = DeployManifests.Container.Strings("args");
        DeployManifests.ConfigMapConfig(out var configPath);

        deployment.Str("spec.replicas").ShouldBe("2");
        args[0].ShouldBe("run");
        args.ShouldContain("--leader-elect");
        args.IndexOf("--config").ShouldBeGreaterThan(0);
        args[args.IndexOf("--config") + 1].ShouldBe(configPath, "--config must name the mounted ConfigMap file");

        var selector = deployment.Obj("spec.selector.matchLabels");
        var podLabels = deployment.Obj("spec.template.metadata.labels");
        foreach (var (key, value) in selector)
        {
            podLabels[key]?.ToString().ShouldBe(value?.ToString());
        }
    }

    [Fact]
    public void Deployment_ImageIsTheProductVersion_NeverLatest()
    {
        var version = System.Xml.Linq.XDocument.Parse(RepositoryFiles.Text("src/Reconciler/Reconciler.csproj"))
            .Descendants("Version").Single().Value;

        DeployManifests.Container.Str("image").ShouldBe($"gitops-secrets:{version}");
    }

    [Fact]
    public void Deployment_IsLockedDown()
    {
        var pod = DeployManifests.PodSpec.Obj("securityContext");
        var container = DeployManifests.Container.Obj("securityContext");

        pod.Str("runAsNonRoot").ShouldBe("true");
        pod.Str("runAsUser").ShouldBe("65532");
        pod.Str("seccompProfile.type").ShouldBe("RuntimeDefault");
        container.Str("readOnlyRootFilesystem").ShouldBe("true");
        container.Str("allowPrivilegeEscalation").ShouldBe("false");
        container.Strings("capabilities.drop").ShouldBe(["ALL"]);
        container.At("capabilities.add").ShouldBeNull("no capability is added back");
        DeployManifests.PodSpec.Str("hostNetwork").ShouldNotBe("true");
    }

    [Fact]
    public void Deployment_HasProbesOnTheWorkerEndpoints_AndResources()
    {
        var container = DeployManifests.Container;

        container.Str("livenessProbe.httpGet.path").ShouldBe("/healthz");
        container.Str("readinessProbe.httpGet.path").ShouldBe("/readyz");
        container.Str("livenessProbe.httpGet.port").ShouldBe("http");
        container.Str("readinessProbe.httpGet.port").ShouldBe("http");
        foreach (var path in new[] { "resources.requests.cpu", "resources.requests.memory", "resources.limits.cpu", "resources.limits.memory" })
        {
            container.Str(path).ShouldNotBeNullOrEmpty($"{path} must be set");
        }
    }

    [Fact]
    public void Deployment_EveryWritablePathIsAnEmptyDir_AndEveryMountHasAVolume()
    {
        var configuration = ReadConfiguration();
        var volumes = DeployManifests.PodSpec.Arr("volumes").OfType<JsonObject>().ToDictionary(v => v.Str("name")!, StringComparer.Ordinal);
        var mounts = DeployManifests.Container.Arr("volumeMounts").OfType<JsonObject>().ToList();
        foreach (var mount in mounts)
        {
            volumes.ShouldContainKey(mount.Str("name")!, $"volumeMount {mount.Str("mountPath")} names no volume");
        }

        string VolumeKindAt(string path)
        {
            var mount = mounts.Where(m => path == m.Str("mountPath") || path.StartsWith(m.Str("mountPath") + "/", StringComparison.Ordinal))
                .MaxBy(m => m.Str("mountPath")!.Length);
            mount.ShouldNotBeNull($"{path} is on the read-only root filesystem: it needs a volume");
            return volumes[mount.Str("name")!].Select(p => p.Key).Single(k => k != "name");
        }

        VolumeKindAt("/tmp").ShouldBe("emptyDir", "/tmp holds the extracted native libraries");
        VolumeKindAt(configuration.Source.CacheDir!).ShouldBe("emptyDir", "the git cache must be writable");
        VolumeKindAt(configuration.Source.Auth.TokenFile!).ShouldBe("secret", "git credentials come from a Secret");
        mounts.Where(m => m.Str("readOnly") != "true").Select(m => VolumeKindAt(m.Str("mountPath")!)).ShouldAllBe(kind => kind == "emptyDir");
    }

    [Fact]
    public void ConfigMap_HoldsAValidWorkerConfiguration()
    {
        var configuration = ReadConfiguration();

        ConfigurationValidator.Validate(configuration);
        configuration.Source.Url.ShouldNotBeNullOrEmpty();
        configuration.Keys.ClusterNamespace.ShouldBe(DeployManifests.Namespace);
        configuration.Keys.Directory.ShouldBeNull();
        var target = configuration.Targets.ShouldHaveSingleItem();
        target.Kind.ShouldBe("kubernetes");
        target.Kubeconfig.ShouldBeNull("in the cluster the worker uses its ServiceAccount");
        configuration.Worker.LeaderElect.ShouldBeTrue();
        configuration.Worker.LeaseNamespace.ShouldBe(DeployManifests.Namespace, "the Role grants Leases in the worker namespace only");
        new Uri(configuration.Worker.Listen).Port.ShouldBe(8080, "the container port, probes and Service use 8080");
    }

    [Fact]
    public void ServiceAccount_IsTheDeploymentsAndTheBindingsSubject()
    {
        var serviceAccount = DeployManifests.Single("ServiceAccount");

        DeployManifests.PodSpec.Str("serviceAccountName").ShouldBe(serviceAccount.Str("metadata.name"));
        DeployManifests.PodSpec.Str("automountServiceAccountToken").ShouldNotBe("false", "the worker talks to the API server with its token");
    }

    private static WorkerConfiguration ReadConfiguration()
    {
        var text = DeployManifests.ConfigMapConfig(out var path);
        return ConfigurationReader.Read(ManifestReader.ReadSingle(Encoding.UTF8.GetBytes(text), $"deploy/configmap.yaml:{path}"));
    }
}
