namespace GitOpsSecrets.Tests.Deploy;

/// <summary>One Dockerfile instruction, continuation lines joined and comments dropped.</summary>
public sealed record DockerInstruction(string Keyword, string Arguments, int Line);

/// <summary>A Dockerfile read into instructions and build stages (enough of the syntax for lint-like checks).</summary>
public sealed class Dockerfile
{
    public Dockerfile(string text)
    {
        var instructions = new List<DockerInstruction>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                var next = lines[++i].Trim();
                line = line[..^1].TrimEnd() + (next.StartsWith('#') ? string.Empty : " " + next);
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(space < 0
                ? new DockerInstruction(line.ToUpperInvariant(), string.Empty, start)
                : new DockerInstruction(line[..space].ToUpperInvariant(), line[(space + 1)..].Trim(), start));
        }

        Instructions = instructions;
        Stages = [];
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                Stages.Add([]);
            }

            if (Stages.Count > 0)
            {
                Stages[^1].Add(instruction);
            }
        }
    }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    /// <summary>Each stage's instructions, its FROM first.</summary>
    public List<List<DockerInstruction>> Stages { get; }

    public List<DockerInstruction> FinalStage => Stages[^1];
}
