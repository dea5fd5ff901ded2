namespace GitOpsSecrets.Sealing.Templates;

/// <summary>The parsed template: Go text/template's node kinds, the subset a SealedSecret template uses.</summary>
internal abstract record TemplateNode(int Offset);

internal sealed record TextNode(int Offset, string Text) : TemplateNode(Offset);

internal sealed record ListNode(int Offset, IReadOnlyList<TemplateNode> Nodes) : TemplateNode(Offset);

/// <summary><c>{{ pipeline }}</c>: its value is printed unless the pipeline declares or assigns a variable.</summary>
internal sealed record ActionNode(int Offset, PipelineNode Pipeline) : TemplateNode(Offset);

/// <summary><c>if</c>, <c>with</c> (dot becomes the value) and <c>range</c> (dot becomes each element).</summary>
internal sealed record BranchNode(int Offset, string Keyword, PipelineNode Pipeline, ListNode Then, ListNode? Else) : TemplateNode(Offset);

internal sealed record LoopControlNode(int Offset, string Keyword) : TemplateNode(Offset);

/// <summary>Commands joined by <c>|</c>, with optional <c>$x :=</c>, <c>$x =</c> or (range) <c>$i, $e :=</c>.</summary>
internal sealed record PipelineNode(int Offset, IReadOnlyList<string> Variables, bool Declares, IReadOnlyList<CommandNode> Commands);

/// <summary>A function or method call, or a single operand.</summary>
internal sealed record CommandNode(int Offset, IReadOnlyList<ArgumentNode> Arguments);

internal abstract record ArgumentNode(int Offset);

internal sealed record LiteralNode(int Offset, object? Value) : ArgumentNode(Offset);

internal sealed record DotNode(int Offset) : ArgumentNode(Offset);

/// <summary><c>.a.b</c> on dot.</summary>
internal sealed record FieldNode(int Offset, IReadOnlyList<string> Names) : ArgumentNode(Offset);

/// <summary><c>$x.a.b</c>.</summary>
internal sealed record VariableNode(int Offset, string Name, IReadOnlyList<string> Names) : ArgumentNode(Offset);

internal sealed record IdentifierNode(int Offset, string Name) : ArgumentNode(Offset);

/// <summary><c>(pipeline).a.b</c>.</summary>
internal sealed record SubPipelineNode(int Offset, PipelineNode Pipeline, IReadOnlyList<string> Names) : ArgumentNode(Offset);
