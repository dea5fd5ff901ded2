using System.Text;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Tests.Sealing;

/// <summary>
/// <c>template.data</c> as Bitnami's controller renders it: Go text/template with sprig. Expected outputs
/// are those of sprig's documentation examples and of Go's text/template (written down here, not
/// computed by the code under test).
/// </summary>
public sealed class GoTemplateTests
{
    private const string Planted = "pl4nted-v4lue";

    private static readonly Dictionary<string, byte[]> Values = new(StringComparer.Ordinal)
    {
        ["user"] = "admin"u8.ToArray(),
        ["password"] = Encoding.UTF8.GetBytes(Planted),
        ["server1"] = "p\"w<d>"u8.ToArray(),
        ["empty"] = [],
        ["port"] = "5432"u8.ToArray(),
    };

    private static string Render(string template) => Encoding.UTF8.GetString(TemplateRenderer.Render("cfg", template, Values));

    [Theory]
    // strings (sprig docs: string functions)
    [InlineData("{{ trim \"   hello    \" }}", "hello")]
    [InlineData("{{ trimAll \"$\" \"$5.00\" }}", "5.00")]
    [InlineData("{{ trimSuffix \"-\" \"hello-\" }}", "hello")]
    [InlineData("{{ trimPrefix \"-\" \"-hello\" }}", "hello")]
    [InlineData("{{ upper \"hello\" }}", "HELLO")]
    [InlineData("{{ lower \"HELLO\" }}", "hello")]
    [InlineData("{{ title \"hello world\" }}", "Hello World")]
    [InlineData("{{ untitle \"Hello World\" }}", "hello world")]
    [InlineData("{{ repeat 3 \"hello\" }}", "hellohellohello")]
    [InlineData("{{ substr 0 5 \"hello world\" }}", "hello")]
    [InlineData("{{ nospace \"hello w o r l d\" }}", "helloworld")]
    [InlineData("{{ trunc 5 \"hello world\" }}", "hello")]
    [InlineData("{{ trunc -5 \"hello world\" }}", "world")]
    [InlineData("{{ abbrev 5 \"hello world\" }}", "he...")]
    [InlineData("{{ initials \"First Try\" }}", "FT")]
    [InlineData("{{ contains \"cat\" \"catch\" }}", "true")]
    [InlineData("{{ hasPrefix \"cat\" \"catch\" }}", "true")]
    [InlineData("{{ hasSuffix \"cat\" \"catch\" }}", "false")]
    [InlineData("{{ quote \"a\\\"b\" }}", "\"a\\\"b\"")]
    [InlineData("{{ squote \"a\" }}", "'a'")]
    [InlineData("{{ cat \"hello\" \"beautiful\" \"world\" }}", "hello beautiful world")]
    [InlineData("{{ indent 4 \"a\\nb\" }}", "    a\n    b")]
    [InlineData("{{ nindent 2 \"a\" }}", "\n  a")]
    [InlineData("{{ \"I Am Henry VIII\" | replace \" \" \"-\" }}", "I-Am-Henry-VIII")]
    [InlineData("{{ 1 | plural \"one anchovy\" \"many anchovies\" }}", "one anchovy")]
    [InlineData("{{ 2 | plural \"one anchovy\" \"many anchovies\" }}", "many anchovies")]
    [InlineData("{{ snakecase \"FirstName\" }}", "first_name")]
    [InlineData("{{ kebabcase \"FirstName\" }}", "first-name")]
    [InlineData("{{ camelcase \"http_server\" }}", "HttpServer")]
    [InlineData("{{ swapcase \"This Is A.Test\" }}", "tHIS iS a.tEST")]
    [InlineData("{{ wrapWith 5 \"\\t\" \"Hello World\" }}", "Hello\tWorld")]
    [InlineData("{{ list \"hello\" \"world\" | join \"_\" }}", "hello_world")]
    [InlineData("{{ splitList \"$\" \"foo$bar$baz\" }}", "[foo bar baz]")]
    [InlineData("{{ $a := split \"$\" \"foo$bar$baz\" }}{{ $a._0 }}", "foo")]
    [InlineData("{{ list \"c\" \"a\" \"b\" | sortAlpha }}", "[a b c]")]
    [InlineData("{{ regexMatch \"^[a-z]+$\" \"admin\" }}", "true")]
    [InlineData("{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }}", "-W-xxW-")]
    [InlineData("{{ regexFind \"[a-zA-Z][1-9]\" \"abcd1234\" }}", "d1")]
    [InlineData("{{ toString 42 }}", "42")]
    // encoding
    [InlineData("{{ .user | b64enc }}", "YWRtaW4=")]
    [InlineData("{{ \"YWRtaW4=\" | b64dec }}", "admin")]
    [InlineData("{{ b32enc \"hello\" }}", "NBSWY3DP")]
    [InlineData("{{ b32dec \"NBSWY3DP\" }}", "hello")]
    [InlineData("{{ sha256sum \"hello\" }}", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")]
    [InlineData("{{ sha1sum \"hello\" }}", "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")]
    [InlineData("{{ adler32sum \"hello\" }}", "103547413")]
    [InlineData("{{ toJson .server1 }}", "\"p\\\"w\\u003cd\\u003e\"")]
    [InlineData("{{ toRawJson .server1 }}", "\"p\\\"w<d>\"")]
    [InlineData("{{ dict \"b\" 1 \"a\" (list \"x\" true) | toJson }}", "{\"a\":[\"x\",true],\"b\":1}")]
    [InlineData("{{ dict \"a\" 1 | toPrettyJson }}", "{\n  \"a\": 1\n}")]
    // defaults and flow
    [InlineData("{{ \"\" | default \"foo\" }}", "foo")]
    [InlineData("{{ .empty | default \"foo\" }}", "foo")]
    [InlineData("{{ .user | default \"foo\" }}", "admin")]
    [InlineData("{{ empty .empty }}", "true")]
    [InlineData("{{ coalesce \"\" .empty \"b\" }}", "b")]
    [InlineData("{{ true | ternary \"yes\" \"no\" }}", "yes")]
    [InlineData("{{ and 1 0 2 }}|{{ or 0 \"\" \"x\" }}|{{ not 0 }}", "0|x|true")]
    // lists
    [InlineData("{{ list 1 2 3 | first }}{{ list 1 2 3 | last }}", "13")]
    [InlineData("{{ rest (list 1 2 3) }}{{ initial (list 1 2 3) }}", "[2 3][1 2]")]
    [InlineData("{{ append (list 1 2) 3 }}{{ prepend (list 1 2) 0 }}", "[1 2 3][0 1 2]")]
    [InlineData("{{ concat (list 1 2) (list 3) }}", "[1 2 3]")]
    [InlineData("{{ list 1 1 2 | uniq }}", "[1 2]")]
    [InlineData("{{ without (list 1 2 3 4) 1 3 5 }}", "[2 4]")]
    [InlineData("{{ has 4 (list 1 2 3 4) }}", "true")]
    [InlineData("{{ compact (list 1 \"\" \"foo\") }}", "[1 foo]")]
    [InlineData("{{ reverse (list 1 2 3) }}", "[3 2 1]")]
    [InlineData("{{ until 3 }}|{{ untilStep 3 9 2 }}|{{ seq 3 }}", "[0 1 2]|[3 5 7]|1 2 3")]
    [InlineData("{{ slice (list 1 2 3 4) 1 3 }}{{ len (list 1 2) }}{{ index (list 5 6) 1 }}", "[2 3]26")]
    // dictionaries
    [InlineData("{{ $d := dict \"name1\" \"value1\" \"name2\" \"value2\" }}{{ get $d \"name1\" }}|{{ hasKey $d \"name2\" }}|{{ keys $d | sortAlpha }}", "value1|true|[name1 name2]")]
    [InlineData("{{ $d := dict }}{{ $_ := set $d \"k\" \"v\" }}{{ $d.k }}{{ unset $d \"k\" | len }}", "v0")]
    [InlineData("{{ pluck \"name1\" (dict \"name1\" \"a\") (dict \"name1\" \"b\") }}", "[a b]")]
    [InlineData("{{ pick (dict \"a\" 1 \"b\" 2) \"a\" }}{{ omit (dict \"a\" 1 \"b\" 2) \"a\" }}", "map[a:1]map[b:2]")]
    [InlineData("{{ merge (dict \"a\" 1) (dict \"a\" 2 \"b\" 3) }}{{ mergeOverwrite (dict \"a\" 1) (dict \"a\" 2) }}", "map[a:1 b:3]map[a:2]")]
    [InlineData("{{ dig \"a\" \"b\" \"none\" (dict \"a\" (dict \"b\" \"found\")) }}{{ dig \"x\" \"none\" (dict) }}", "foundnone")]
    [InlineData("{{ (fromJson \"{\\\"a\\\":{\\\"b\\\":\\\"c\\\"}}\").a.b }}", "c")]
    // math
    [InlineData("{{ add 1 2 3 }} {{ sub 5 2 }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 2 }} {{ max 1 5 3 }} {{ min 4 2 }} {{ add1 4 }}", "6 3 6 3 1 5 2 5")]
    [InlineData("{{ atoi .port | add 1 }}", "5433")]
    [InlineData("{{ 1.5 }} {{ 1e6 }} {{ 0.0001 }} {{ 123456.0 }}", "1.5 1e+06 0.0001 123456")]
    // builtins
    [InlineData("{{ printf \"%05d|%-4s|%q|%x|%.2f|%v\" 42 \"ab\" \"c\" 255 3.14159 true }}", "00042|ab  |\"c\"|ff|3.14|true")]
    [InlineData("{{ print \"a\" 1 2 \"b\" }}", "a1 2b")]
    [InlineData("{{ eq .user \"admin\" }}{{ ne 1 2 }}{{ lt 1 2 }}{{ ge \"b\" \"a\" }}{{ eq 2 1 2 }}", "truetruetruetruetrue")]
    [InlineData("{{ len .user }}", "5")]
    [InlineData("{{ html \"<a&b>\" }}|{{ urlquery \"a b&c\" }}|{{ js \"it's\" }}", "&lt;a&amp;b&gt;|a+b%26c|it\\'s")]
    // control structures, variables, pipelines
    [InlineData("{{ if eq .user \"admin\" }}A{{ else if eq .user \"x\" }}X{{ else }}N{{ end }}", "A")]
    [InlineData("{{ if .empty }}A{{ else }}N{{ end }}", "N")]
    [InlineData("{{ with .user }}[{{ . }}]{{ end }}{{ with .empty }}x{{ else }}none{{ end }}", "[admin]none")]
    [InlineData("{{ range $i, $v := list \"a\" \"b\" }}{{ $i }}={{ $v }};{{ end }}", "0=a;1=b;")]
    [InlineData("{{ range $k, $v := dict \"b\" 2 \"a\" 1 }}{{ $k }}{{ $v }}{{ end }}", "a1b2")]
    [InlineData("{{ range list }}x{{ else }}empty{{ end }}", "empty")]
    [InlineData("{{ range list 1 2 3 4 }}{{ if eq . 3 }}{{ break }}{{ end }}{{ . }}{{ end }}", "12")]
    [InlineData("{{ range list 1 2 3 }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ . }}{{ end }}", "13")]
    [InlineData("{{ range 3 }}{{ . }}{{ end }}", "012")]
    [InlineData("{{ $x := \"a\" }}{{ if true }}{{ $x = \"b\" }}{{ end }}{{ $x }}", "b")]
    [InlineData("{{ range list 1 }}{{ $.user }}{{ end }}", "admin")]
    [InlineData("{{ (printf \"%s-%d\" .user 3) | upper }}", "ADMIN-3")]
    [InlineData("{{ .user | printf \"%s!\" | upper | quote }}", "\"ADMIN!\"")]
    [InlineData("{{- /* comment */ -}} {{ .user }}", "admin")]
    [InlineData("{{ `raw\\n` }}", "raw\\n")]
    public void Render_GoTemplateWithSprig_AsTheController(string template, string expected)
    {
        Render(template).ShouldBe(expected, $"template: {template}");
    }

    [Fact]
    public void Render_BitnamiConfigTemplateExample_ProducesValidJsonWithTheValueEscaped()
    {
        // docs/examples/config-template in bitnami-labs/sealed-secrets: a JSON file with values via toJson.
        var rendered = Render("{\n  \"user\": {{ toJson .user }},\n  \"password\": {{ toJson .server1 }}\n}");

        var json = System.Text.Json.JsonDocument.Parse(rendered).RootElement;
        json.GetProperty("user").GetString().ShouldBe("admin");
        json.GetProperty("password").GetString().ShouldBe("p\"w<d>", "the value survives JSON quoting exactly");
    }

    [Theory]
    [InlineData("{{ .user | frobnicate }}", "function \"frobnicate\" not defined")]
    [InlineData("{{ randAlphaNum 8 }}", "function \"randAlphaNum\" is not supported: its result changes on every render, and the worker renders on every sync")]
    [InlineData("{{ now }}", "function \"now\" is not supported: its result changes on every render, and the worker renders on every sync")]
    [InlineData("{{ env \"HOME\" }}", "function \"env\" is not available (the controller removes it)")]
    [InlineData("{{ upper }}", "wrong number of args for upper: want 1 got 0")]
    public void Render_UnknownOrRefusedFunction_ErrorNamesTheKeyAndTheFunction(string template, string message)
    {
        Should.Throw<TemplateException>(() => Render(template)).Message.ShouldBe($"spec.template.data.cfg: {message}");
    }

    [Theory]
    [InlineData("{{ range until 1000000 }}x{{ end }}", "evaluation stopped after 100000 steps")]
    [InlineData("{{ repeat 100000000 \"x\" }}", "a value would exceed 1048576 bytes")]
    [InlineData("{{ $s := \"xxxxxxxxxxxxxxxx\" }}{{ range until 40 }}{{ $s = cat $s $s }}{{ end }}", "a value would exceed 1048576 bytes")]
    [InlineData("{{ range until 100 }}{{ range until 100 }}{{ range until 100 }}x{{ end }}{{ end }}{{ end }}", "evaluation stopped after 100000 steps")]
    [InlineData("{{ \"x\" | indent 2000000 }}", "a value would exceed 1048576 bytes")]
    public void Render_HostileTemplate_StopsAtTheBound(string template, string message)
    {
        Should.Throw<TemplateException>(() => Render(template)).Message.ShouldBe($"spec.template.data.cfg: {message}");
    }

    [Fact]
    public void Render_NestedTooDeep_Refused()
    {
        var template = string.Concat(Enumerable.Repeat("{{ if true }}", 150)) + string.Concat(Enumerable.Repeat("{{ end }}", 150));

        Should.Throw<TemplateException>(() => Render(template)).Message.ShouldStartWith("spec.template.data.cfg: nested more than 100 deep");
    }

    [Theory]
    [InlineData("{{ .password | b64dec }}")]
    [InlineData("{{ .password | fail }}")]
    [InlineData("{{ .password.x }}")]
    [InlineData("{{ eq .password 5 }}")]
    [InlineData("{{ index .password 99 }}")]
    [InlineData("{{ regexMatch .password \"x\" }}{{ regexMatch \"(\" .password }}")]
    [InlineData("{{ range .password }}{{ end }}")]
    [InlineData("{{ get .password \"k\" }}")]
    public void Render_ErrorsAboutAValue_NeverContainIt(string template)
    {
        var error = Should.Throw<TemplateException>(() => Render(template));

        error.Message.ShouldNotContain(Planted, Case.Sensitive, error.Message);
        error.Message.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Planted)));
        error.Message.ShouldStartWith("spec.template.data.cfg: ");
    }
}
