using GitOpsSecrets.Tests.TestSupport;

namespace GitOpsSecrets.Tests.Architecture;

/// <summary>
/// The rooms' boundaries, as docs/architecture.md states them in its tables, hold in the compiled product
/// (every type reference of gitops-secrets.dll, method bodies included).
/// </summary>
public sealed class RoomBoundaryTests
{
    private static readonly Lazy<IReadOnlyList<TypeUse>> ProductUses =
        new(() => AssemblyReferences.Read(Path.Combine(AppContext.BaseDirectory, "gitops-secrets.dll")));

    private static readonly Lazy<ArchitectureRules> Rules =
        new(() => ArchitectureRules.Parse(RepositoryFiles.Text(ArchitectureRules.DocumentPath)));

    [Fact]
    public void Rooms_UseOnlyTheArrowsOfTheArchitectureDocument() =>
        ShouldHaveNone(RoomRules.ForbiddenArrows(ProductUses.Value, Rules.Value), "arrows the `| room | may use |` table does not allow");

    [Fact]
    public void Libraries_StayInTheRoomsTheArchitectureDocumentNames() =>
        ShouldHaveNone(RoomRules.ForbiddenLibraryUses(ProductUses.Value, Rules.Value), "libraries used outside the rooms of the `| library (namespace prefix) | only in |` table");

    [Fact]
    public void RoomGraph_HasNoCycles() =>
        ShouldHaveNone(RoomRules.Cycles(ProductUses.Value, Rules.Value), "cycles among rooms");

    [Fact]
    public void Cli_IsUsedOnlyByTheEntryPoint() =>
        ShouldHaveNone(RoomRules.CliImporters(ProductUses.Value, Rules.Value), "rooms other than the entry point using Cli");

    [Fact]
    public void KnownViolations_AllStillHappen() =>
        ShouldHaveNone(RoomRules.StaleKnownViolations(ProductUses.Value, Rules.Value), "known violations that are gone (good: delete their lines)");

    [Fact]
    public void ArrowsTable_HasOneRowPerRoomOfTheCode() =>
        ShouldHaveNone(RoomRules.UnlistedRooms(ProductUses.Value, Rules.Value), "rooms missing from, or extra in, the arrows table");

    [Fact]
    public void Reader_SeesADependencyUsedOnlyInAMethodBody()
    {
        // Program's only use of Cli is a call inside the top-level statements (a compiler-generated async Main).
        ProductUses.Value.ShouldContain(
            u => u.FromRoom == AssemblyReferences.EntryPoint && u.ToRoom == "Cli",
            "the reader must see the calls inside method bodies and state machines");
    }

    /// <summary>Fails with one line per problem, so a reader sees every forbidden arrow at once.</summary>
    private static void ShouldHaveNone(IReadOnlyList<string> problems, string what)
    {
        if (problems.Count > 0)
        {
            throw new ShouldAssertException(
                $"{ArchitectureRules.DocumentPath}: {what} (fix the code, or change the table if the arrow is meant):{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", problems));
        }
    }
}
