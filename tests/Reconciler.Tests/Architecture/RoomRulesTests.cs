namespace GitOpsSecrets.Tests.Architecture;

/// <summary>The checks themselves, on small made-up graphs, so each can be seen to fail.</summary>
public sealed class RoomRulesTests
{
    private const string Document = """
        | room | may use |
        | --- | --- |
        | `Program` | `Cli` |
        | `Cli` | `Sync`, `Manifests` |
        | `Sync` | `Manifests` |
        | `Manifests` | — |

        | library (namespace prefix) | only in |
        | --- | --- |
        | `YamlDotNet` | `Manifests` |
        | `Microsoft.AspNetCore` | `Sync.Http` |

        | from | to | removed by |
        | --- | --- | --- |
        | `Manifests` | `Cli` | feat/example |
        """;

    private static readonly ArchitectureRules Rules = ArchitectureRules.Parse(Document);

    private static TypeUse Use(string fromNamespace, string toNamespace, string toType = "T") =>
        new(AssemblyReferences.RoomOf(fromNamespace, "Program")!, fromNamespace, fromNamespace + ".From",
            AssemblyReferences.RoomOf(toNamespace, "X"), toNamespace, toNamespace + "." + toType);

    private static readonly TypeUse[] Allowed =
    [
        Use("", "GitOpsSecrets.Cli"),
        Use("GitOpsSecrets.Cli", "GitOpsSecrets.Sync"),
        Use("GitOpsSecrets.Sync", "GitOpsSecrets.Manifests"),
        Use("GitOpsSecrets.Manifests", "YamlDotNet.Core"),
        Use("GitOpsSecrets.Manifests", "GitOpsSecrets.Cli"),
        Use("GitOpsSecrets.Sync.Http", "Microsoft.AspNetCore.Http"),
    ];

    [Fact]
    public void Parse_ReadsTheThreeTables()
    {
        Rules.MayUse["Cli"].ShouldBe(["Sync", "Manifests"], ignoreOrder: true);
        Rules.MayUse["Manifests"].ShouldBeEmpty();
        Rules.Libraries.Select(l => l.Prefix).ShouldBe(["YamlDotNet", "Microsoft.AspNetCore"]);
        Rules.Libraries[1].OnlyIn.ShouldBe(["Sync.Http"]);
        Rules.Known.ShouldBe([new KnownViolation("Manifests", "Cli", "feat/example")]);
    }

    [Fact]
    public void RoomOf_IsTheFirstSegmentAfterTheProductNamespace()
    {
        AssemblyReferences.RoomOf("GitOpsSecrets.Worker.Http", "WorkerEndpoints").ShouldBe("Worker");
        AssemblyReferences.RoomOf("GitOpsSecrets", "InputException").ShouldBe("GitOpsSecrets");
        AssemblyReferences.RoomOf("", "Program").ShouldBe("Program");
        AssemblyReferences.RoomOf("", "<PrivateImplementationDetails>").ShouldBeNull();
        AssemblyReferences.RoomOf("GitOpsSecretsX", "T").ShouldBeNull();
    }

    [Fact]
    public void AllowedGraph_HasNoProblem()
    {
        RoomRules.ForbiddenArrows(Allowed, Rules).ShouldBeEmpty();
        RoomRules.ForbiddenLibraryUses(Allowed, Rules).ShouldBeEmpty();
        RoomRules.Cycles(Allowed, Rules).ShouldBeEmpty();
        RoomRules.CliImporters(Allowed, Rules).ShouldBeEmpty();
        RoomRules.StaleKnownViolations(Allowed, Rules).ShouldBeEmpty();
        RoomRules.UnlistedRooms(Allowed, Rules).ShouldBeEmpty();
    }

    [Fact]
    public void ForbiddenArrows_NamesTheArrowWithAnExample()
    {
        var uses = Allowed.Append(Use("GitOpsSecrets.Manifests", "GitOpsSecrets.Sync", "Planner")).ToList();

        RoomRules.ForbiddenArrows(uses, Rules).ShouldBe(["Manifests → Sync (e.g. GitOpsSecrets.Manifests.From → GitOpsSecrets.Sync.Planner)"]);
        RoomRules.Cycles(uses, Rules).ShouldBe(["the code has a cycle among Manifests, Sync"]);
    }

    [Fact]
    public void ForbiddenLibraryUses_ChecksTheSubNamespace()
    {
        var uses = Allowed.Append(Use("GitOpsSecrets.Sync", "Microsoft.AspNetCore.Builder", "WebApplication")).ToList();

        RoomRules.ForbiddenLibraryUses(uses, Rules).ShouldHaveSingleItem().ShouldStartWith("Sync → Microsoft.AspNetCore, only allowed in Sync.Http");
    }

    [Fact]
    public void StaleKnownViolations_NamesTheLineToDelete()
    {
        var uses = Allowed.Where(u => !(u.FromRoom == "Manifests" && u.ToRoom == "Cli")).ToList();

        RoomRules.StaleKnownViolations(uses, Rules).ShouldHaveSingleItem().ShouldStartWith("Manifests → Cli (removed by feat/example) no longer happens");
    }

    [Fact]
    public void CliImporters_FindsARoomUsingCli()
    {
        var uses = Allowed.Append(Use("GitOpsSecrets.Sync", "GitOpsSecrets.Cli", "ExitCodes")).ToList();

        RoomRules.CliImporters(uses, Rules).ShouldHaveSingleItem().ShouldStartWith("Sync uses Cli");
    }

    [Fact]
    public void UnlistedRooms_FindsARoomWithoutARow()
    {
        var uses = Allowed.Append(Use("GitOpsSecrets.Logging", "GitOpsSecrets.Manifests")).ToList();

        RoomRules.UnlistedRooms(uses, Rules).ShouldBe(["room Logging is in the code but has no row in the arrows table"]);
    }

    [Fact]
    public void StronglyConnected_FindsEachCycleOnce()
    {
        var cycles = RoomRules.StronglyConnected([("A", "B"), ("B", "C"), ("C", "A"), ("C", "D"), ("D", "E"), ("E", "D"), ("F", "A")]);

        cycles.Count.ShouldBe(2);
        cycles[0].ShouldBe(["A", "B", "C"]);
        cycles[1].ShouldBe(["D", "E"]);
    }
}
