namespace GitOpsSecrets.Sealing.Templates;

/// <summary>Limits on one template's evaluation: templates come from the repository, so a hostile one must end quickly.</summary>
internal sealed record TemplateLimits(int MaxSteps = 100_000, int MaxOutputBytes = 1024 * 1024)
{
    public static readonly TemplateLimits Default = new();
}

/// <summary>
/// Runs a parsed template against the unsealed values, as Go's text/template Execute: dot starts as the
/// map of values, <c>$</c> is that map, pipelines pass their value as the last argument of the next
/// command. Every node visited and every range iteration costs a step; every value produced counts
/// against the output bound, so neither a loop nor a growing string can run away.
/// </summary>
internal sealed class TemplateEvaluator
{
    private readonly Dictionary<string, object?> _root;
    private readonly TemplateLimits _limits;
    private readonly List<(string Name, object? Value)> _variables = [];
    private readonly List<byte> _output = [];
    private int _steps;

    private TemplateEvaluator(Dictionary<string, object?> root, TemplateLimits limits)
    {
        _root = root;
        _limits = limits;
        _variables.Add(("$", root));
    }

    public static byte[] Run(ListNode template, Dictionary<string, object?> root, TemplateLimits limits)
    {
        var evaluator = new TemplateEvaluator(root, limits);
        evaluator.Walk(template, root);
        return [.. evaluator._output];
    }

    public int OutputBudget => _limits.MaxOutputBytes;

    private sealed class LoopControl(string keyword) : Exception
    {
        public bool IsBreak => keyword == "break";
    }

    private void Step()
    {
        if (++_steps > _limits.MaxSteps)
        {
            throw new TemplateEvaluationException($"evaluation stopped after {_limits.MaxSteps} steps");
        }
    }

    /// <summary>Fails before a string larger than the output bound is made (repeat, indent, cat...).</summary>
    public void CheckSize(long bytes)
    {
        if (bytes > _limits.MaxOutputBytes)
        {
            throw new TemplateEvaluationException($"a value would exceed {_limits.MaxOutputBytes} bytes");
        }
    }

    private void Walk(TemplateNode node, object? dot)
    {
        Step();
        switch (node)
        {
            case TextNode text:
                Emit(System.Text.Encoding.UTF8.GetBytes(text.Text));
                break;
            case ListNode list:
                foreach (var child in list.Nodes)
                {
                    Walk(child, dot);
                }

                break;
            case ActionNode action:
                var value = Pipeline(action.Pipeline, dot);
                if (action.Pipeline.Variables.Count == 0)
                {
                    var printed = new List<byte>();
                    TemplateValues.Print(value, printed);
                    Emit(printed);
                }

                break;
            case BranchNode branch:
                Branch(branch, dot);
                break;
            case LoopControlNode control:
                throw new LoopControl(control.Keyword);
        }
    }

    private void Emit(IReadOnlyCollection<byte> bytes)
    {
        CheckSize((long)_output.Count + bytes.Count);
        _output.AddRange(bytes);
    }

    private void Branch(BranchNode branch, object? dot)
    {
        var mark = _variables.Count;
        try
        {
            if (branch.Keyword == "range")
            {
                Range(branch, dot);
                return;
            }

            var value = Pipeline(branch.Pipeline, dot);
            if (TemplateValues.IsTrue(value))
            {
                Walk(branch.Then, branch.Keyword == "with" ? value : dot);
            }
            else if (branch.Else is { } otherwise)
            {
                Walk(otherwise, dot);
            }
        }
        finally
        {
            _variables.RemoveRange(mark, _variables.Count - mark);
        }
    }

    private void Range(BranchNode branch, object? dot)
    {
        var pipeline = branch.Pipeline;
        var value = Pipeline(pipeline with { Variables = [] }, dot);
        IEnumerable<(object? Key, object? Element)> items = value switch
        {
            null => [],
            List<object?> list => list.Select((e, i) => ((object?)(long)i, e)),
            Dictionary<string, object?> map => map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ((object?)p.Key, p.Value)),
            long count => count < 0 ? throw new TemplateEvaluationException("range can't iterate over a negative count") : LongRange(count),
            _ => throw new TemplateEvaluationException($"range can't iterate over a {TemplateValues.TypeName(value)}"),
        };
        var any = false;
        foreach (var (key, element) in items)
        {
            Step();
            any = true;
            var mark = _variables.Count;
            if (pipeline.Variables.Count == 1)
            {
                SetVariable(pipeline.Variables[0], element, pipeline.Declares);
            }
            else if (pipeline.Variables.Count == 2)
            {
                SetVariable(pipeline.Variables[0], key, pipeline.Declares);
                SetVariable(pipeline.Variables[1], element, pipeline.Declares);
            }

            try
            {
                Walk(branch.Then, element);
            }
            catch (LoopControl control)
            {
                if (control.IsBreak)
                {
                    break;
                }
            }
            finally
            {
                _variables.RemoveRange(mark, _variables.Count - mark);
            }
        }

        if (!any && branch.Else is { } otherwise)
        {
            Walk(otherwise, dot);
        }
    }

    private static IEnumerable<(object?, object?)> LongRange(long count)
    {
        for (long i = 0; i < count; i++)
        {
            yield return (i, i);
        }
    }

    private object? Pipeline(PipelineNode pipeline, object? dot)
    {
        object? value = null;
        var piped = false;
        foreach (var command in pipeline.Commands)
        {
            value = Command(command, dot, piped ? new Piped(value) : null);
            piped = true;
        }

        foreach (var variable in pipeline.Variables)
        {
            SetVariable(variable, value, pipeline.Declares);
        }

        return value;
    }

    private sealed record Piped(object? Value);

    private void SetVariable(string name, object? value, bool declare)
    {
        if (declare)
        {
            _variables.Add((name, value));
            return;
        }

        var index = _variables.FindLastIndex(v => v.Name == name);
        if (index < 0)
        {
            throw new TemplateEvaluationException($"undefined variable: {name}");
        }

        _variables[index] = (name, value);
    }

    private object? Command(CommandNode command, object? dot, Piped? piped)
    {
        Step();
        var first = command.Arguments[0];
        if (first is IdentifierNode function)
        {
            var arguments = command.Arguments.Skip(1).Select(a => (Func<object?>)(() => Argument(a, dot))).ToList();
            if (piped is not null)
            {
                arguments.Add(() => piped.Value);
            }

            return TemplateFunctions.Call(function.Name, arguments, this);
        }

        if (command.Arguments.Count > 1 || piped is not null)
        {
            throw new TemplateEvaluationException($"can't give argument to non-function {Describe(first)}");
        }

        return Argument(first, dot);
    }

    private object? Argument(ArgumentNode argument, object? dot)
    {
        Step();
        return argument switch
        {
            LiteralNode literal => literal.Value,
            DotNode => dot,
            FieldNode field => Fields(dot, field.Names),
            VariableNode variable => Fields(Variable(variable.Name), variable.Names),
            SubPipelineNode sub => Fields(Pipeline(sub.Pipeline, dot), sub.Names),
            IdentifierNode function => TemplateFunctions.Call(function.Name, [], this),
            _ => throw new TemplateEvaluationException("unsupported operand"),
        };
    }

    private object? Variable(string name)
    {
        var index = _variables.FindLastIndex(v => v.Name == name);
        return index >= 0 ? _variables[index].Value : throw new TemplateEvaluationException($"undefined variable: {name}");
    }

    private object? Fields(object? receiver, IReadOnlyList<string> names)
    {
        foreach (var name in names)
        {
            receiver = receiver switch
            {
                // Go renders a missing key of the values as "<no value>"; a silent wrong value in a Secret is worse than an error.
                Dictionary<string, object?> map when ReferenceEquals(map, _root) => map.TryGetValue(name, out var value)
                    ? value
                    : throw new TemplateEvaluationException($"refers to \"{name}\", which is not in encryptedData"),
                Dictionary<string, object?> map => map.GetValueOrDefault(name),
                null => throw new TemplateEvaluationException($"nil pointer evaluating interface {{}}.{name}"),
                _ => throw new TemplateEvaluationException($"can't evaluate field {name} in type {TemplateValues.TypeName(receiver)}"),
            };
        }

        return receiver;
    }

    private static string Describe(ArgumentNode argument) => argument switch
    {
        FieldNode field => "." + string.Join('.', field.Names),
        VariableNode variable => variable.Name,
        DotNode => ".",
        LiteralNode => "literal",
        _ => "operand",
    };

    /// <summary>Whether <paramref name="map"/> is the values map itself (index on it must name a value that exists).</summary>
    public bool IsRoot(object? map) => ReferenceEquals(map, _root);

    public void CountStep() => Step();
}
