using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sharing;

namespace GitOpsSecrets.Tests.Sharing;

public sealed class SharedSecretManifestTests
{
    private const string Head = "apiVersion: gitops-secrets.io/v1alpha1\nkind: SharedSecret\nmetadata: {name: db, namespace: payments}\nspec:\n  encryptedData: {password: AgA=}\n";

    private static ManifestException Fails(string yaml) =>
        Should.Throw<ManifestException>(() => SharedSecretManifest.Read(ManifestReader.Read(yaml, "shared.yaml").Single()));

    private static SharedSecret Reads(string yaml) => SharedSecretManifest.Read(ManifestReader.Read(yaml, "shared.yaml").Single());

    [Fact]
    public void Read_FullDocument_GivesSealedPartsAccessDistributionAndImagePull()
    {
        var shared = Reads(
            "apiVersion: gitops-secrets.io/v1alpha1\nkind: SharedSecret\nmetadata: {name: regcred, namespace: platform}\nspec:\n"
            + "  encryptedData: {.dockerconfigjson: AgA=}\n  template: {type: kubernetes.io/dockerconfigjson}\n"
            + "  access:\n  - verbs: [get, list, get]\n    users: [alice]\n    teams: [payments]\n    groups: [ops]\n    serviceAccounts: [ci/deployer]\n"
            + "  distribute:\n    namespaces: [a, b]\n    namespaceSelector:\n      matchLabels: {tier: apps}\n      matchExpressions:\n      - {key: env, operator: In, values: [prod, staging]}\n    targets: [prod]\n"
            + "  imagePull: {serviceAccounts: [default, '*']}\n");

        shared.Name.ShouldBe("regcred");
        shared.HomeNamespace.ShouldBe("platform");
        shared.Sealed.EncryptedData.Keys.ToList().ShouldBe([".dockerconfigjson"], "encryptedData is read as a SealedSecret's");
        System.Text.Encoding.ASCII.GetString(shared.Sealed.Label).ShouldBe("platform/regcred", "the home identity is the strict label");
        var rule = shared.Access.ShouldHaveSingleItem();
        rule.Verbs.ShouldBe(["get", "list"], "verbs are deduplicated in order");
        rule.Users.ShouldBe(["alice"]);
        rule.Teams.ShouldBe(["payments"]);
        rule.Groups.ShouldBe(["ops"]);
        rule.ServiceAccounts.ShouldBe([new ServiceAccountRef("ci", "deployer")]);
        shared.Distribute.Namespaces.ShouldBe(["a", "b"]);
        shared.Distribute.Targets.ShouldBe(["prod"]);
        shared.Distribute.NamespaceSelector.ShouldNotBeNull().MatchExpressions.ShouldHaveSingleItem().Values.ShouldBe(["prod", "staging"]);
        shared.ImagePull.ShouldNotBeNull().ServiceAccounts.ShouldBe(["default", "*"]);
    }

    [Theory]
    [InlineData("  access:\n  - verbs: [get, gett]\n    users: [alice]\n", "shared.yaml:7 (document 1): spec.access[0].verbs[1]: unknown verb \"gett\" (expected get, list, watch, update, patch, delete)")]
    [InlineData("  access:\n  - verbs: [create]\n    users: [alice]\n", "shared.yaml:7 (document 1): spec.access[0].verbs[0]: unknown verb \"create\" (expected get, list, watch, update, patch, delete)")]
    [InlineData("  access:\n  - users: [alice]\n", "shared.yaml:7 (document 1): spec.access[0].verbs is required: one or more of get, list, watch, update, patch, delete")]
    [InlineData("  access:\n  - verbs: [get]\n", "shared.yaml:7 (document 1): spec.access[0] names nobody: give users, teams, groups or serviceAccounts")]
    [InlineData("  access:\n  - verbs: [get]\n    users: []\n    teams: []\n", "shared.yaml:7 (document 1): spec.access[0] names nobody: give users, teams, groups or serviceAccounts")]
    [InlineData("  access:\n  - verbs: [get]\n    users: [\"\"]\n", "shared.yaml:8 (document 1): spec.access[0].users[0] must not be empty")]
    [InlineData("  access:\n  - verbs: [get]\n    serviceAccounts: [deployer]\n", "shared.yaml:8 (document 1): spec.access[0].serviceAccounts[0] must be namespace/name (a service account, e.g. payments/deployer)")]
    [InlineData("  access:\n  - verbs: [get]\n    serviceAccounts: [a/b/c]\n", "shared.yaml:8 (document 1): spec.access[0].serviceAccounts[0] must be namespace/name (a service account, e.g. payments/deployer)")]
    [InlineData("  access:\n  - verbs: [get]\n    serviceAccounts: [Ci/deployer]\n", "shared.yaml:8 (document 1): spec.access[0].serviceAccounts[0] must be namespace/name (a service account, e.g. payments/deployer)")]
    [InlineData("  access:\n  - verbs: [get]\n    user: [alice]\n", "shared.yaml:8 (document 1): spec.access[0].user: unknown field (expected verbs, users, teams, groups, serviceAccounts)")]
    [InlineData("  access: {verbs: [get]}\n", "shared.yaml:6 (document 1): spec.access must be a list")]
    [InlineData("  distribute:\n    namespaceSelector:\n      matchExpressions:\n      - {key: env, operator: Equals, values: [a]}\n", "shared.yaml:9 (document 1): spec.distribute.namespaceSelector.matchExpressions[0].operator: unknown operator \"Equals\" (expected In, NotIn, Exists, DoesNotExist)")]
    [InlineData("  distribute:\n    namespaceSelector:\n      matchExpressions:\n      - {key: env, operator: In}\n", "shared.yaml:9 (document 1): spec.distribute.namespaceSelector.matchExpressions[0].values must be non-empty for operator In")]
    [InlineData("  distribute:\n    namespaceSelector:\n      matchExpressions:\n      - {key: env, operator: Exists, values: [a]}\n", "shared.yaml:9 (document 1): spec.distribute.namespaceSelector.matchExpressions[0].values must be empty for operator Exists")]
    [InlineData("  distribute:\n    namespaceSelector:\n      matchExpressions:\n      - {key: -bad, operator: Exists}\n", "shared.yaml:9 (document 1): spec.distribute.namespaceSelector.matchExpressions[0].key: invalid label key \"-bad\": a label name must be 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character")]
    [InlineData("  distribute:\n    namespaceSelector:\n      matchLabels: {tier: \"a b\"}\n", "shared.yaml:8 (document 1): spec.distribute.namespaceSelector.matchLabels.tier: invalid label value: a label value must be empty or 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character")]
    [InlineData("  distribute:\n    namespaceSelector:\n      matchLabels: {\"Example.com/tier\": a}\n", "shared.yaml:8 (document 1): spec.distribute.namespaceSelector.matchLabels: invalid label key \"Example.com/tier\": the prefix before '/' must be a DNS subdomain")]
    [InlineData("  distribute:\n    namespaceSelecter: {}\n", "shared.yaml:7 (document 1): spec.distribute.namespaceSelecter: unknown field (expected namespaces, namespaceSelector, targets)")]
    [InlineData("  distribute:\n    namespaces: [Payments]\n", "shared.yaml:7 (document 1): spec.distribute.namespaces[0] must be a namespace name (a DNS label)")]
    [InlineData("  imagePull: {serviceAccounts: [default]}\n", "shared.yaml:6 (document 1): spec.imagePull needs spec.template.type kubernetes.io/dockerconfigjson, found Opaque")]
    [InlineData("  template: {type: kubernetes.io/basic-auth}\n  imagePull: {serviceAccounts: [default]}\n", "shared.yaml:7 (document 1): spec.imagePull needs spec.template.type kubernetes.io/dockerconfigjson, found kubernetes.io/basic-auth")]
    [InlineData("  template: {type: kubernetes.io/dockerconfigjson}\n  imagePull: {serviceAccounts: []}\n", "shared.yaml:7 (document 1): spec.imagePull.serviceAccounts is required: service account names, or \"*\" for all")]
    [InlineData("  template: {type: kubernetes.io/dockerconfigjson}\n  imagePull: {serviceAccounts: [ns/sa]}\n", "shared.yaml:7 (document 1): spec.imagePull.serviceAccounts[0] must be a service account name (in each namespace the secret lands in) or \"*\"")]
    [InlineData("  acess: []\n", "shared.yaml:6 (document 1): spec.acess: unknown field (expected encryptedData, template, access, distribute, imagePull)")]
    public void Read_InvalidSpec_NamesFileDocumentAndField(string specTail, string expected)
    {
        Fails(Head + specTail).Message.ShouldBe(expected, "the error names file, document and field in one line");
    }

    [Theory]
    [InlineData("apiVersion: gitops-secrets.io/v1alpha1\nkind: SharedSecret\nmetadata: {name: db}\nspec: {encryptedData: {a: AgA=}}\n", "shared.yaml:1 (document 1): metadata.namespace is required: it is the home namespace the secret is sealed for")]
    [InlineData("apiVersion: gitops-secrets.io/v1beta1\nkind: SharedSecret\nmetadata: {name: db, namespace: a}\nspec: {encryptedData: {a: AgA=}}\n", "shared.yaml:1 (document 1): expected apiVersion gitops-secrets.io/v1alpha1, kind SharedSecret")]
    [InlineData("apiVersion: gitops-secrets.io/v1alpha1\nkind: SharedSecret\nmetadata: {name: Db, namespace: a}\nspec: {encryptedData: {a: AgA=}}\n", "shared.yaml:3 (document 1): metadata.name must be a DNS subdomain (lower case alphanumeric, '-' or '.')")]
    [InlineData("apiVersion: gitops-secrets.io/v1alpha1\nkind: SharedSecret\nmetadata: {name: db, namespace: a}\n", "shared.yaml:1 (document 1): spec is required")]
    public void Read_InvalidIdentity_NamesFileAndField(string yaml, string expected)
    {
        Fails(yaml).Message.ShouldBe(expected);
    }

    [Fact]
    public void ToNode_ReadBack_GivesTheSameSharedSecret()
    {
        var original = Reads(Head + "  access:\n  - verbs: [get]\n    users: [alice]\n    serviceAccounts: [ci/deployer]\n  distribute:\n    namespaces: [a]\n    namespaceSelector:\n      matchExpressions: [{key: env, operator: NotIn, values: [dev]}]\n");

        var text = ManifestWriter.ToYaml(SharedSecretManifest.ToNode(original));
        var reread = Reads(text);

        reread.Name.ShouldBe("db");
        reread.HomeNamespace.ShouldBe("payments");
        reread.Sealed.EncryptedData.ShouldBe(original.Sealed.EncryptedData);
        reread.Access.ShouldHaveSingleItem().ServiceAccounts.ShouldBe([new ServiceAccountRef("ci", "deployer")], $"written:\n{text}");
        reread.Distribute.Namespaces.ShouldBe(["a"]);
        reread.Distribute.NamespaceSelector.ShouldNotBeNull().MatchExpressions.ShouldHaveSingleItem().Operator.ShouldBe("NotIn");
    }
}
