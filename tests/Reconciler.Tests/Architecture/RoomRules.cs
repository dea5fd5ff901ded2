namespace GitOpsSecrets.Tests.Architecture;

/// <summary>
/// Checks the uses read from the assembly (<see cref="AssemblyReferences"/>) against the rules of the document
/// (<see cref="ArchitectureRules"/>). Each check returns one line per problem, with one example (from type → to type).
/// </summary>
public static class RoomRules
{
    /// <summary>Arrows between rooms that the arrows table does not allow and no known violation tolerates.</summary>
    public static IReadOnlyList<string> ForbiddenArrows(IEnumerable<TypeUse> uses, ArchitectureRules rules) =>
        Arrows(uses)
            .Where(a => !(rules.MayUse.TryGetValue(a.Key.From, out var allowed) && allowed.Contains(a.Key.To)))
            .Where(a => !IsKnown(rules, a.Key.From, a.Key.To))
            .Select(a => $"{a.Key.From} → {a.Key.To} (e.g. {a.Value.FromType} → {a.Value.ToType})")
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Uses of a ruled library outside the namespaces allowed to use it, not tolerated as known violations.</summary>
    public static IReadOnlyList<string> ForbiddenLibraryUses(IEnumerable<TypeUse> uses, ArchitectureRules rules) =>
        LibraryUses(uses, rules)
            .Where(u => !IsKnown(rules, u.Key.FromRoom, u.Key.Prefix))
            .Select(u => $"{u.Key.FromRoom} → {u.Key.Prefix}, only allowed in {string.Join(", ", u.Value.Rule.OnlyIn)} (e.g. {u.Value.Use.FromType} → {u.Value.Use.ToType})")
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Known violations that no longer happen: the line must leave the table so the list stays true.</summary>
    public static IReadOnlyList<string> StaleKnownViolations(IReadOnlyCollection<TypeUse> uses, ArchitectureRules rules)
    {
        var arrows = Arrows(uses).Keys.Select(a => (a.From, a.To)).ToHashSet();
        var libraryUses = LibraryUses(uses, rules).Keys.Select(u => (u.FromRoom, u.Prefix)).ToHashSet();
        return rules.Known
            .Where(k => !arrows.Contains((k.From, k.To)) && !libraryUses.Contains((k.From, k.To)))
            .Select(k => $"{k.From} → {k.To} (removed by {k.RemovedBy}) no longer happens: delete its line from the known violations")
            .ToList();
    }

    /// <summary>Rooms of the code without a row in the arrows table, and rows naming no room of the code.</summary>
    public static IReadOnlyList<string> UnlistedRooms(IEnumerable<TypeUse> uses, ArchitectureRules rules)
    {
        var inCode = uses.Select(u => u.FromRoom).ToHashSet(StringComparer.Ordinal);
        var named = rules.MayUse.Keys.Concat(rules.MayUse.Values.SelectMany(v => v)).ToHashSet(StringComparer.Ordinal);
        return inCode.Except(rules.MayUse.Keys).Select(r => $"room {r} is in the code but has no row in the arrows table")
            .Concat(named.Except(inCode).Select(r => $"room {r} is in the arrows table but not in the code"))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Cycles among the rooms: in the table itself, and in the code once the known violations are set aside.</summary>
    public static IReadOnlyList<string> Cycles(IEnumerable<TypeUse> uses, ArchitectureRules rules)
    {
        var table = rules.MayUse.SelectMany(r => r.Value.Select(to => (r.Key, to)));
        var code = Arrows(uses).Keys.Where(a => !IsKnown(rules, a.From, a.To)).Select(a => (a.From, a.To));
        return StronglyConnected(table).Select(c => $"the arrows table has a cycle among {string.Join(", ", c)}")
            .Concat(StronglyConnected(code).Select(c => $"the code has a cycle among {string.Join(", ", c)}"))
            .ToList();
    }

    /// <summary>Rooms other than the entry point that use <c>Cli</c>, in the table or in the code (known violations aside).</summary>
    public static IReadOnlyList<string> CliImporters(IEnumerable<TypeUse> uses, ArchitectureRules rules)
    {
        const string cli = "Cli";
        var inTable = rules.MayUse.Where(r => r.Key != AssemblyReferences.EntryPoint && r.Value.Contains(cli))
            .Select(r => $"the arrows table lets {r.Key} use {cli}");
        var inCode = Arrows(uses)
            .Where(a => a.Key.To == cli && a.Key.From != AssemblyReferences.EntryPoint && !IsKnown(rules, a.Key.From, cli))
            .Select(a => $"{a.Key.From} uses {cli} (e.g. {a.Value.FromType} → {a.Value.ToType})");
        return inTable.Concat(inCode).Order(StringComparer.Ordinal).ToList();
    }

    private static bool IsKnown(ArchitectureRules rules, string from, string to) => rules.Known.Any(k => k.From == from && k.To == to);

    private static Dictionary<(string From, string To), TypeUse> Arrows(IEnumerable<TypeUse> uses)
    {
        var arrows = new Dictionary<(string, string), TypeUse>();
        foreach (var use in uses.Where(u => u.ToRoom is not null && u.ToRoom != u.FromRoom))
        {
            arrows.TryAdd((use.FromRoom, use.ToRoom!), use);
        }

        return arrows;
    }

    private static Dictionary<(string FromRoom, string Prefix), (LibraryRule Rule, TypeUse Use)> LibraryUses(IEnumerable<TypeUse> uses, ArchitectureRules rules)
    {
        var found = new Dictionary<(string, string), (LibraryRule, TypeUse)>();
        foreach (var use in uses.Where(u => u.ToRoom is null))
        {
            foreach (var rule in rules.Libraries.Where(r => AssemblyReferences.IsWithin(use.ToNamespace, r.Prefix)))
            {
                var allowed = rule.OnlyIn.Any(scope => AssemblyReferences.IsWithin(use.FromNamespace, AssemblyReferences.ProductNamespace + "." + scope));
                if (!allowed)
                {
                    found.TryAdd((use.FromRoom, rule.Prefix), (rule, use));
                }
            }
        }

        return found;
    }

    /// <summary>The strongly connected components of more than one room (Tarjan), each sorted, in a stable order.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> StronglyConnected(IEnumerable<(string From, string To)> edges)
    {
        var next = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (from, to) in edges)
        {
            next.TryAdd(to, []);
            if (!next.TryGetValue(from, out var list))
            {
                next[from] = list = [];
            }

            list.Add(to);
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var components = new List<IReadOnlyList<string>>();

        void Connect(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var to in next[node])
            {
                if (!index.ContainsKey(to))
                {
                    Connect(to);
                    low[node] = Math.Min(low[node], low[to]);
                }
                else if (onStack.Contains(to))
                {
                    low[node] = Math.Min(low[node], index[to]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);

                if (component.Count > 1)
                {
                    components.Add(component.Order(StringComparer.Ordinal).ToList());
                }
            }
        }

        foreach (var node in next.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Connect(node);
            }
        }

        return components.OrderBy(c => c[0], StringComparer.Ordinal).ToList();
    }
}
