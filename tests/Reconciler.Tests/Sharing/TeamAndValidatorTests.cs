using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sharing;

namespace GitOpsSecrets.Tests.Sharing;

public sealed class TeamAndValidatorTests
{
    private const string TeamHeader = "apiVersion: gitops-secrets.io/v1alpha1\nkind: Team\n";

    [Fact]
    public void TeamRead_UsersAndGroups_AreKept()
    {
        var team = TeamManifest.Read(ManifestReader.Read(TeamHeader + "metadata: {name: payments}\nspec:\n  users: [carol, dave]\n  groups: [payments-oncall]\n", "team.yaml").Single());

        team.Name.ShouldBe("payments");
        team.Users.ShouldBe(["carol", "dave"]);
        team.Groups.ShouldBe(["payments-oncall"]);
    }

    [Theory]
    [InlineData(TeamHeader + "spec: {users: [a]}\n", "team.yaml:1 (document 1): metadata.name is required")]
    [InlineData(TeamHeader + "metadata: {name: Payments}\n", "team.yaml:3 (document 1): metadata.name is required and must be a DNS subdomain (lower case alphanumeric, '-' or '.')")]
    [InlineData(TeamHeader + "metadata: {name: p, namespace: x}\n", "team.yaml:3 (document 1): metadata.namespace: a Team is repository-wide and has no namespace")]
    [InlineData(TeamHeader + "metadata: {name: p}\nspec: {members: [a]}\n", "team.yaml:4 (document 1): spec.members: unknown field (expected users, groups)")]
    [InlineData(TeamHeader + "metadata: {name: p}\nspec: {users: [1]}\n", "team.yaml:4 (document 1): spec.users[0] must be a string")]
    public void TeamRead_Invalid_NamesFileAndField(string yaml, string expected)
    {
        Should.Throw<ManifestException>(() => TeamManifest.Read(ManifestReader.Read(yaml, "team.yaml").Single())).Message.ShouldBe(expected);
    }

    [Fact]
    public void SharingReader_MixedFile_PicksSharingKindsAndReportsTheBadDocumentOnly()
    {
        var text = TeamHeader + "metadata: {name: payments}\nspec: {users: [carol]}\n---\n"
            + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n"
            + "apiVersion: gitops-secrets.io/v1alpha1\nkind: SharedSecret\nmetadata: {name: db, namespace: payments}\nspec:\n  encryptedData: {a: AgA=}\n  access: [{verbs: [get], teams: [payments]}]\n---\n"
            + "apiVersion: gitops-secrets.io/v1alpha1\nkind: SharedSecret\nmetadata: {name: bad, namespace: payments}\nspec:\n  encryptedData: {a: AgA=}\n  access: [{verbs: [steal], users: [x]}]\n";

        var file = SharingReader.Read(ManifestReader.Read(text, "mixed.yaml"));

        file.Teams.ShouldHaveSingleItem().Team.Name.ShouldBe("payments");
        file.SharedSecrets.ShouldHaveSingleItem().Secret.Name.ShouldBe("db", "the valid SharedSecret is read, the invalid one is not");
        file.Errors.ShouldHaveSingleItem().Message.ShouldStartWith("mixed.yaml:22 (document 4): spec.access[0].verbs[0]: unknown verb \"steal\"");
    }

    [Fact]
    public void UnknownTeam_TeamNotDefined_NamesFileAndField()
    {
        var file = SharingReader.Read(ManifestReader.Read(
            "apiVersion: gitops-secrets.io/v1alpha1\nkind: SharedSecret\nmetadata: {name: db, namespace: payments}\nspec:\n  encryptedData: {a: AgA=}\n  access:\n  - verbs: [get]\n    teams: [payments, billing]\n",
            "shared.yaml"));
        var teams = new Dictionary<string, GitOpsSecrets.Sharing.Team>(StringComparer.Ordinal) { ["payments"] = new GitOpsSecrets.Sharing.Team { Name = "payments" } };

        var error = SharingValidator.UnknownTeam(file.SharedSecrets.Single(), teams);

        error.ShouldNotBeNull("billing is not a known team").Message.ShouldBe("shared.yaml:8 (document 1): spec.access[0].teams[1]: unknown team \"billing\" (no Team of that name in the repository)");
        SharingValidator.UnknownTeam(file.SharedSecrets.Single(), new Dictionary<string, GitOpsSecrets.Sharing.Team>(teams) { ["billing"] = new GitOpsSecrets.Sharing.Team { Name = "billing" } }).ShouldBeNull("every team is known");
    }

    [Fact]
    public void TeamsByName_DuplicateName_IsAnErrorNamingBothPlaces()
    {
        var a = SharingReader.Read(ManifestReader.Read(TeamHeader + "metadata: {name: payments}\n", "a.yaml")).Teams;
        var b = SharingReader.Read(ManifestReader.Read(TeamHeader + "metadata: {name: payments}\n", "b.yaml")).Teams;
        var errors = new List<ManifestException>();

        var teams = SharingValidator.TeamsByName(a.Concat(b), errors);

        teams.Keys.ShouldBe(["payments"]);
        errors.ShouldHaveSingleItem().Message.ShouldBe("b.yaml:1 (document 1): Team \"payments\" is already defined at a.yaml:1 (document 1)");
    }

    [Theory]
    [InlineData("tier=apps", true)]
    [InlineData("tier=web", false)]
    [InlineData("", false)]
    public void LabelSelector_MatchLabelsAndExpressions_AllMustHold(string labels, bool expected)
    {
        var selector = new LabelSelector
        {
            MatchLabels = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["tier"] = "apps" },
            MatchExpressions = [new LabelRequirement("env", LabelRequirement.NotIn, ["dev"]), new LabelRequirement("legacy", LabelRequirement.DoesNotExist, [])],
        };
        var map = labels.Length == 0 ? new Dictionary<string, string>() : labels.Split(',').Select(l => l.Split('=')).ToDictionary(p => p[0], p => p[1]);

        selector.Matches(map).ShouldBe(expected, $"labels {labels}");
        selector.Matches(new Dictionary<string, string>(map) { ["env"] = "dev" }).ShouldBeFalse("env=dev is excluded by NotIn");
        new LabelSelector().Matches(map).ShouldBeTrue("an empty selector matches everything, as in Kubernetes");
    }
}
