namespace GitOpsSecrets.Sealing.Templates;

/// <summary>
/// Go text/template's grammar over <see cref="TemplateLexer"/>'s tokens: text, actions, <c>if</c>/<c>else
/// if</c>/<c>with</c>/<c>else with</c>/<c>range</c>/<c>else</c>/<c>end</c>, <c>break</c>/<c>continue</c>,
/// variables, pipelines and parenthesised sub-pipelines. <c>define</c>, <c>template</c> and <c>block</c>
/// are refused by name. Nesting is bounded, so a hostile template cannot exhaust the stack.
/// </summary>
internal sealed class TemplateParser
{
    public const int MaxDepth = 100;

    private readonly string _key;
    private readonly List<Token> _tokens;
    private int _position;
    private int _depth;
    private int _loops;

    private TemplateParser(string key, List<Token> tokens)
    {
        _key = key;
        _tokens = tokens;
    }

    public static ListNode Parse(string key, string template)
    {
        var parser = new TemplateParser(key, TemplateLexer.Lex(key, template));
        var (list, stop) = parser.ParseList();
        return stop is null ? list : throw parser.Error(stop.Offset, $"unexpected {{{{{stop.Text}}}}}");
    }

    private Token Peek => _tokens[_position];

    private Token Next() => _tokens[_position++];

    /// <summary>Parses until the end or an <c>else</c>/<c>end</c> action, which it returns (consumed up to the keyword).</summary>
    private (ListNode List, Token? Stop) ParseList()
    {
        var start = Peek.Offset;
        var nodes = new List<TemplateNode>();
        while (true)
        {
            var token = Next();
            switch (token.Kind)
            {
                case TokenKind.End:
                    _position--;
                    return (new ListNode(start, nodes), null);
                case TokenKind.Text:
                    nodes.Add(new TextNode(token.Offset, token.Text));
                    break;
                case TokenKind.Open:
                    if (Peek is { Kind: TokenKind.Identifier, Text: "end" or "else" } stop)
                    {
                        _position++;
                        return (new ListNode(start, nodes), stop);
                    }

                    nodes.Add(ParseAction(token));
                    break;
                default:
                    throw Error(token.Offset, $"unexpected \"{token.Text}\"");
            }
        }
    }

    private TemplateNode ParseAction(Token open)
    {
        if (Peek.Kind == TokenKind.Identifier)
        {
            switch (Peek.Text)
            {
                case "if" or "with" or "range":
                    return ParseBranch(Next().Text, open.Offset);
                case "break" or "continue":
                    var keyword = Next();
                    if (_loops == 0)
                    {
                        throw Error(keyword.Offset, $"{{{{{keyword.Text}}}}} outside {{{{range}}}}");
                    }

                    Expect(TokenKind.Close);
                    return new LoopControlNode(keyword.Offset, keyword.Text);
                case "define" or "template" or "block":
                    throw Error(Peek.Offset, $"{{{{{Peek.Text}}}}} is not supported in a SealedSecret template");
            }
        }

        var pipeline = ParsePipeline(allowDeclarations: true, TokenKind.Close);
        return new ActionNode(open.Offset, pipeline);
    }

    private BranchNode ParseBranch(string keyword, int offset)
    {
        if (++_depth > MaxDepth)
        {
            throw Error(offset, $"nested more than {MaxDepth} deep");
        }

        var pipeline = ParsePipeline(allowDeclarations: true, TokenKind.Close, allowTwoVariables: keyword == "range");
        if (keyword == "range")
        {
            _loops++;
        }

        var (then, stop) = ParseList();
        if (keyword == "range")
        {
            _loops--;
        }

        ListNode? otherwise = null;
        if (stop is null)
        {
            throw Error(offset, $"unclosed {{{{{keyword}}}}}: missing {{{{end}}}}");
        }

        if (stop.Text == "else")
        {
            // "else if" / "else with" chain: the rest is one nested branch sharing this one's end.
            if (Peek is { Kind: TokenKind.Identifier, Text: "if" or "with" } chained && (keyword != "range" || chained.Text == "if"))
            {
                _position++;
                var nested = ParseBranch(chained.Text, chained.Offset);
                otherwise = new ListNode(chained.Offset, [nested]);
            }
            else
            {
                Expect(TokenKind.Close);
                (otherwise, stop) = ParseList();
                if (stop is not { Text: "end" })
                {
                    throw Error(offset, $"unclosed {{{{{keyword}}}}}: missing {{{{end}}}}");
                }

                Expect(TokenKind.Close);
            }
        }
        else
        {
            Expect(TokenKind.Close);
        }

        _depth--;
        return new BranchNode(offset, keyword, pipeline, then, otherwise);
    }

    private PipelineNode ParsePipeline(bool allowDeclarations, TokenKind closer, bool allowTwoVariables = false)
    {
        var offset = Peek.Offset;
        var variables = new List<string>();
        var declares = false;
        if (allowDeclarations && Peek.Kind == TokenKind.Variable)
        {
            var save = _position;
            var first = Next();
            if (Peek.Kind is TokenKind.Declare or TokenKind.Assign)
            {
                declares = Next().Kind == TokenKind.Declare;
                variables.Add(first.Text);
            }
            else if (allowTwoVariables && Peek.Kind == TokenKind.Comma)
            {
                _position++;
                var second = Expect(TokenKind.Variable);
                declares = Expect(TokenKind.Declare, TokenKind.Assign).Kind == TokenKind.Declare;
                variables.AddRange([first.Text, second.Text]);
            }
            else
            {
                _position = save;
            }
        }

        var commands = new List<CommandNode>();
        while (true)
        {
            commands.Add(ParseCommand(closer));
            var after = Next();
            if (after.Kind == closer)
            {
                break;
            }

            if (after.Kind != TokenKind.Pipe)
            {
                throw Error(after.Offset, $"unexpected \"{after.Text}\" in pipeline");
            }
        }

        return new PipelineNode(offset, variables, declares, commands);
    }

    private CommandNode ParseCommand(TokenKind closer)
    {
        var offset = Peek.Offset;
        var arguments = new List<ArgumentNode>();
        while (Peek.Kind != closer && Peek.Kind != TokenKind.Pipe)
        {
            if (Peek.Kind is TokenKind.End or TokenKind.Close)
            {
                throw Error(Peek.Offset, "unclosed parenthesis");
            }

            if (arguments.Count > 0 && !Peek.Spaced && Peek.Kind != TokenKind.LeftParen)
            {
                throw Error(Peek.Offset, $"missing space before \"{Peek.Text}\"");
            }

            arguments.Add(ParseOperand());
        }

        return arguments.Count > 0 ? new CommandNode(offset, arguments) : throw Error(offset, "missing value for command");
    }

    private ArgumentNode ParseOperand()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TokenKind.String or TokenKind.Number:
                return new LiteralNode(token.Offset, token.Value);
            case TokenKind.Dot:
                return new DotNode(token.Offset);
            case TokenKind.Field:
                return new FieldNode(token.Offset, [token.Text, .. Chain()]);
            case TokenKind.Variable:
                return new VariableNode(token.Offset, token.Text, Chain());
            case TokenKind.Identifier:
                return token.Text switch
                {
                    "true" => new LiteralNode(token.Offset, true),
                    "false" => new LiteralNode(token.Offset, false),
                    "nil" => new LiteralNode(token.Offset, null),
                    _ => new IdentifierNode(token.Offset, token.Text),
                };
            case TokenKind.LeftParen:
                if (++_depth > MaxDepth)
                {
                    throw Error(token.Offset, $"nested more than {MaxDepth} deep");
                }

                var pipeline = ParsePipeline(allowDeclarations: true, TokenKind.RightParen);
                _depth--;
                return new SubPipelineNode(token.Offset, pipeline, Chain());
            default:
                throw Error(token.Offset, $"unexpected \"{token.Text}\" in operand");
        }
    }

    /// <summary>Fields written right after an operand with no space: <c>$x.a.b</c>, <c>(...).a</c>.</summary>
    private List<string> Chain()
    {
        var names = new List<string>();
        while (Peek is { Kind: TokenKind.Field, Spaced: false })
        {
            names.Add(Next().Text);
        }

        return names;
    }

    private Token Expect(params TokenKind[] kinds)
    {
        var token = Next();
        return kinds.Contains(token.Kind) ? token : throw Error(token.Offset, token.Kind == TokenKind.End ? "unexpected end of template" : $"unexpected \"{token.Text}\"");
    }

    private TemplateException Error(int offset, string message) => new(_key, $"{message} (offset {offset})");
}
