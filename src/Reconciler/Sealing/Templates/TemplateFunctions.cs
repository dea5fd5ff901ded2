using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static GitOpsSecrets.Sealing.Templates.TemplateValues;

namespace GitOpsSecrets.Sealing.Templates;

/// <summary>
/// The functions a SealedSecret template may call: text/template's builtins and the sprig functions the
/// controller registers (sprig's GenericFuncMap without env, expandenv and getHostByName; see
/// docs/configuration.md for the list). Functions whose result changes from one run to the next (random
/// values, keys, UUIDs, the clock) are refused by name: the worker renders on every sync, and a Secret
/// that changes each minute is a bug, not a feature. Arguments arrive lazily, so and/or short-circuit.
/// </summary>
internal static class TemplateFunctions
{
    private delegate object? Function(IReadOnlyList<Func<object?>> arguments, TemplateEvaluator evaluator);

    private static readonly HashSet<string> Changing = new(StringComparer.Ordinal)
    {
        "randAlphaNum", "randAlpha", "randAscii", "randNumeric", "randBytes", "randInt", "shuffle", "uuidv4",
        "genPrivateKey", "derivePassword", "buildCustomCert", "genCA", "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey",
        "genSignedCert", "genSignedCertWithKey", "encryptAES", "decryptAES", "bcrypt", "htpasswd",
        "now", "date", "dateInZone", "date_in_zone", "dateModify", "date_modify", "mustDateModify", "ago", "duration", "durationRound",
        "htmlDate", "htmlDateInZone", "unixEpoch", "toDate", "mustToDate",
    };

    private static readonly HashSet<string> Removed = new(StringComparer.Ordinal) { "env", "expandenv", "getHostByName" };

    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, Function> Functions = new(StringComparer.Ordinal)
    {
        // text/template builtins
        ["and"] = (a, _) => { object? last = null; foreach (var f in a) { last = f(); if (!IsTrue(last)) { return last; } } return last; },
        ["or"] = (a, _) => { object? last = null; foreach (var f in a) { last = f(); if (IsTrue(last)) { return last; } } return last; },
        ["not"] = (a, _) => !IsTrue(One(a, "not")),
        ["len"] = (a, _) => (long)(One(a, "len") switch
        {
            string s => Encoding.UTF8.GetByteCount(s),
            byte[] b => b.Length,
            List<object?> l => l.Count,
            Dictionary<string, object?> m => m.Count,
            var v => throw new TemplateEvaluationException($"len of type {TypeName(v)}"),
        }),
        ["index"] = (a, e) => Index(Values(a), e),
        ["slice"] = (a, _) => Slice(Values(a)),
        ["print"] = (a, _) => GoPrint(Values(a)),
        ["println"] = (a, _) => string.Join(' ', Values(a).Select(v => Format(v))) + "\n",
        ["printf"] = (a, _) => { var v = Values(a); return GoFormat.Sprintf(Text(At(v, 0, "printf")), v.Skip(1).ToList()); },
        ["eq"] = (a, _) => { var v = Values(a); return v.Count < 2 ? throw new TemplateEvaluationException("missing argument for comparison") : v.Skip(1).Any(x => BasicEquals(v[0], x)); },
        ["ne"] = (a, _) => { var v = Two(a, "ne"); return !BasicEquals(v.A, v.B); },
        ["lt"] = (a, _) => { var v = Two(a, "lt"); return Compare(v.A, v.B) < 0; },
        ["le"] = (a, _) => { var v = Two(a, "le"); return Compare(v.A, v.B) <= 0; },
        ["gt"] = (a, _) => { var v = Two(a, "gt"); return Compare(v.A, v.B) > 0; },
        ["ge"] = (a, _) => { var v = Two(a, "ge"); return Compare(v.A, v.B) >= 0; },
        ["html"] = (a, _) => System.Net.WebUtility.HtmlEncode(GoPrint(Values(a))).Replace("&#39;", "&#39;", StringComparison.Ordinal),
        ["js"] = (a, _) => JsEscape(GoPrint(Values(a))),
        ["urlquery"] = (a, _) => Uri.EscapeDataString(GoPrint(Values(a))).Replace("%20", "+", StringComparison.Ordinal),

        // strings
        ["upper"] = (a, _) => Text(One(a, "upper")).ToUpperInvariant(),
        ["lower"] = (a, _) => Text(One(a, "lower")).ToLowerInvariant(),
        ["title"] = (a, _) => Title(Text(One(a, "title"))),
        ["untitle"] = (a, _) => Untitle(Text(One(a, "untitle"))),
        ["swapcase"] = (a, _) => new string(Text(One(a, "swapcase")).Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)).ToArray()),
        ["trim"] = (a, _) => Text(One(a, "trim")).Trim(),
        ["trimAll"] = (a, _) => { var v = Two(a, "trimAll"); return Text(v.B).Trim(Text(v.A).ToCharArray()); },
        ["trimPrefix"] = (a, _) => { var v = Two(a, "trimPrefix"); var s = Text(v.B); var p = Text(v.A); return s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s; },
        ["trimSuffix"] = (a, _) => { var v = Two(a, "trimSuffix"); var s = Text(v.B); var p = Text(v.A); return s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s; },
        ["nospace"] = (a, _) => string.Concat(Text(One(a, "nospace")).Where(c => !char.IsWhiteSpace(c))),
        ["repeat"] = (a, e) => Repeat(a, e),
        ["substr"] = (a, _) => Substr(Values(a)),
        ["trunc"] = (a, _) => { var v = Two(a, "trunc"); var s = Text(v.B); var n = Integer(v.A); return n < 0 ? (-n < s.Length ? s[(int)(s.Length + n)..] : s) : n < s.Length ? s[..(int)n] : s; },
        ["abbrev"] = (a, _) => { var v = Two(a, "abbrev"); var s = Text(v.B); var n = (int)Integer(v.A); return n < 4 || s.Length <= n ? s : s[..(n - 3)] + "..."; },
        ["initials"] = (a, _) => string.Concat(Text(One(a, "initials")).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(w => w[0])),
        ["contains"] = (a, _) => { var v = Two(a, "contains"); return Text(v.B).Contains(Text(v.A), StringComparison.Ordinal); },
        ["hasPrefix"] = (a, _) => { var v = Two(a, "hasPrefix"); return Text(v.B).StartsWith(Text(v.A), StringComparison.Ordinal); },
        ["hasSuffix"] = (a, _) => { var v = Two(a, "hasSuffix"); return Text(v.B).EndsWith(Text(v.A), StringComparison.Ordinal); },
        ["quote"] = (a, _) => string.Join(' ', Values(a).Where(v => v is not null).Select(v => GoFormat.Quote(Text(v)))),
        ["squote"] = (a, _) => string.Join(' ', Values(a).Where(v => v is not null).Select(v => $"'{Text(v)}'")),
        ["cat"] = (a, _) => string.Join(' ', Values(a).Where(v => v is not null).Select(v => Format(v))),
        ["indent"] = (a, e) => { var v = Two(a, "indent"); return Indent(Text(v.B), Integer(v.A), e); },
        ["nindent"] = (a, e) => { var v = Two(a, "nindent"); return "\n" + Indent(Text(v.B), Integer(v.A), e); },
        ["replace"] = (a, e) => Replace(a, e),
        ["plural"] = (a, _) => { var v = Values(a); return Integer(At(v, 2, "plural")) == 1 ? Text(v[0]) : Text(v[1]); },
        ["snakecase"] = (a, _) => Words(Text(One(a, "snakecase")), "_", lower: true),
        ["kebabcase"] = (a, _) => Words(Text(One(a, "kebabcase")), "-", lower: true),
        ["camelcase"] = (a, _) => string.Concat(Text(One(a, "camelcase")).Split('_', StringSplitOptions.RemoveEmptyEntries).Select(Title)),
        ["wrap"] = (a, _) => { var v = Two(a, "wrap"); return Wrap(Text(v.B), (int)Integer(v.A), "\n"); },
        ["wrapWith"] = (a, _) => { var v = Values(a); return Wrap(Text(At(v, 2, "wrapWith")), (int)Integer(v[0]), Text(v[1])); },
        ["split"] = (a, _) => { var v = Two(a, "split"); return Text(v.B).Split(Text(v.A)).Select((p, i) => (p, i)).ToDictionary(x => "_" + x.i.ToString(CultureInfo.InvariantCulture), x => (object?)x.p); },
        ["splitList"] = (a, _) => { var v = Two(a, "splitList"); return Text(v.B).Split(Text(v.A)).Select(p => (object?)p).ToList(); },
        ["splitn"] = (a, _) => { var v = Values(a); var parts = Text(At(v, 2, "splitn")).Split(Text(v[0]), (int)Math.Max(1, Integer(v[1]))); return parts.Select((p, i) => (p, i)).ToDictionary(x => "_" + x.i.ToString(CultureInfo.InvariantCulture), x => (object?)x.p); },
        ["join"] = (a, _) => { var v = Two(a, "join"); return string.Join(Text(v.A), ListOf(v.B, "join").Select(x => Text(x))); },
        ["sortAlpha"] = (a, _) => ListOf(One(a, "sortAlpha"), "sortAlpha").Select(x => Text(x)).Order(StringComparer.Ordinal).Select(x => (object?)x).ToList(),
        ["toString"] = (a, _) => Format(One(a, "toString")),
        ["toStrings"] = (a, _) => ListOf(One(a, "toStrings"), "toStrings").Select(x => (object?)Format(x)).ToList(),
        ["regexMatch"] = (a, _) => { var v = Two(a, "regexMatch"); return Regex(Text(v.A)).IsMatch(Text(v.B)); },
        ["regexFind"] = (a, _) => { var v = Two(a, "regexFind"); var m = Regex(Text(v.A)).Match(Text(v.B)); return m.Success ? m.Value : string.Empty; },
        ["regexFindAll"] = (a, _) => { var v = Values(a); var n = Integer(At(v, 2, "regexFindAll")); var all = Regex(Text(v[0])).Matches(Text(v[1])).Select(m => (object?)m.Value); return (n < 0 ? all : all.Take((int)n)).ToList(); },
        ["regexReplaceAll"] = (a, _) => { var v = Values(a); At(v, 2, "regexReplaceAll"); return Regex(Text(v[0])).Replace(Text(v[1]), Text(v[2])); },
        ["regexReplaceAllLiteral"] = (a, _) => { var v = Values(a); At(v, 2, "regexReplaceAllLiteral"); return Regex(Text(v[0])).Replace(Text(v[1]), Text(v[2]).Replace("$", "$$", StringComparison.Ordinal)); },
        ["regexSplit"] = (a, _) => { var v = Values(a); var n = Integer(At(v, 2, "regexSplit")); var parts = Regex(Text(v[0])).Split(Text(v[1])); return (n < 0 ? parts : parts.Take((int)n)).Select(p => (object?)p).ToList(); },
        ["regexQuoteMeta"] = (a, _) => System.Text.RegularExpressions.Regex.Escape(Text(One(a, "regexQuoteMeta"))),

        // encoding
        ["b64enc"] = (a, _) => Convert.ToBase64String(Bytes(One(a, "b64enc"))),
        ["b64dec"] = (a, _) => Decode(() => Convert.FromBase64String(Text(One(a, "b64dec"))), "b64dec"),
        ["b32enc"] = (a, _) => Base32.Encode(Bytes(One(a, "b32enc"))),
        ["b32dec"] = (a, _) => Decode(() => Base32.Decode(Text(One(a, "b32dec"))), "b32dec"),
        ["toJson"] = (a, _) => ToJson(One(a, "toJson"), indented: false, escapeHtml: true),
        ["toPrettyJson"] = (a, _) => ToJson(One(a, "toPrettyJson"), indented: true, escapeHtml: true),
        ["toRawJson"] = (a, _) => ToJson(One(a, "toRawJson"), indented: false, escapeHtml: false),
        ["fromJson"] = (a, _) => FromJson(Text(One(a, "fromJson"))),
        ["sha1sum"] = (a, _) => Convert.ToHexStringLower(SHA1.HashData(Bytes(One(a, "sha1sum")))),
        ["sha256sum"] = (a, _) => Convert.ToHexStringLower(SHA256.HashData(Bytes(One(a, "sha256sum")))),
        ["sha512sum"] = (a, _) => Convert.ToHexStringLower(SHA512.HashData(Bytes(One(a, "sha512sum")))),
        ["adler32sum"] = (a, _) => Adler32(Bytes(One(a, "adler32sum"))).ToString(CultureInfo.InvariantCulture),

        // defaults and flow
        ["default"] = (a, _) => { var v = Values(a); var d = At(v, 0, "default"); return v.Count > 1 && IsTrue(v[^1]) ? v[^1] : d; },
        ["empty"] = (a, _) => !IsTrue(One(a, "empty")),
        ["coalesce"] = (a, _) => Values(a).FirstOrDefault(IsTrue),
        ["all"] = (a, _) => Values(a).All(IsTrue),
        ["any"] = (a, _) => Values(a).Any(IsTrue),
        ["ternary"] = (a, _) => { var v = Values(a); return IsTrue(At(v, 2, "ternary")) ? v[0] : v[1]; },
        // Its message is not shown: the template may pass it a value.
        ["fail"] = (a, _) => { One(a, "fail"); throw new TemplateEvaluationException("the template called fail"); },

        // lists
        ["list"] = (a, _) => Values(a).ToList(),
        ["tuple"] = (a, _) => Values(a).ToList(),
        ["first"] = (a, _) => ListOf(One(a, "first"), "first").FirstOrDefault(),
        ["last"] = (a, _) => ListOf(One(a, "last"), "last").LastOrDefault(),
        ["rest"] = (a, _) => ListOf(One(a, "rest"), "rest").Skip(1).ToList(),
        ["initial"] = (a, _) => { var l = ListOf(One(a, "initial"), "initial"); return l.Take(Math.Max(0, l.Count - 1)).ToList(); },
        ["append"] = (a, _) => { var v = Two(a, "append"); return ListOf(v.A, "append").Append(v.B).ToList(); },
        ["push"] = (a, _) => { var v = Two(a, "push"); return ListOf(v.A, "push").Append(v.B).ToList(); },
        ["prepend"] = (a, _) => { var v = Two(a, "prepend"); return ListOf(v.A, "prepend").Prepend(v.B).ToList(); },
        ["concat"] = (a, _) => Values(a).SelectMany(l => ListOf(l, "concat")).ToList(),
        ["uniq"] = (a, _) => { var result = new List<object?>(); foreach (var x in ListOf(One(a, "uniq"), "uniq")) { if (!result.Any(r => DeepEquals(r, x))) { result.Add(x); } } return result; },
        ["without"] = (a, _) => { var v = Values(a); var l = ListOf(At(v, 0, "without"), "without"); return l.Where(x => !v.Skip(1).Any(o => DeepEquals(o, x))).ToList(); },
        ["has"] = (a, _) => { var v = Two(a, "has"); return ListOf(v.B, "has").Any(x => DeepEquals(x, v.A)); },
        ["compact"] = (a, _) => ListOf(One(a, "compact"), "compact").Where(IsTrue).ToList(),
        ["reverse"] = (a, _) => { var l = ListOf(One(a, "reverse"), "reverse").ToList(); l.Reverse(); return l; },
        ["until"] = (a, e) => Sequence(0, Integer(One(a, "until")), 1, e),
        ["untilStep"] = (a, e) => { var v = Values(a); At(v, 2, "untilStep"); return Sequence(Integer(v[0]), Integer(v[1]), Integer(v[2]), e); },
        ["seq"] = (a, e) => Seq(Values(a), e),

        // dictionaries
        ["dict"] = (a, _) => Dict(Values(a)),
        ["get"] = (a, _) => { var v = Two(a, "get"); return MapOf(v.A, "get").TryGetValue(Text(v.B), out var x) ? x : string.Empty; },
        ["set"] = (a, _) => { var v = Values(a); At(v, 2, "set"); var m = MapOf(v[0], "set"); m[Text(v[1])] = v[2]; return m; },
        ["unset"] = (a, _) => { var v = Two(a, "unset"); var m = MapOf(v.A, "unset"); m.Remove(Text(v.B)); return m; },
        ["hasKey"] = (a, _) => { var v = Two(a, "hasKey"); return MapOf(v.A, "hasKey").ContainsKey(Text(v.B)); },
        ["keys"] = (a, _) => Values(a).SelectMany(m => MapOf(m, "keys").Keys).Select(k => (object?)k).ToList(),
        ["values"] = (a, _) => MapOf(One(a, "values"), "values").Values.ToList(),
        ["pluck"] = (a, _) => { var v = Values(a); var key = Text(At(v, 0, "pluck")); return v.Skip(1).Select(m => MapOf(m, "pluck")).Where(m => m.ContainsKey(key)).Select(m => m[key]).ToList(); },
        ["pick"] = (a, _) => { var v = Values(a); var m = MapOf(At(v, 0, "pick"), "pick"); var names = v.Skip(1).Select(x => Text(x)).ToHashSet(StringComparer.Ordinal); return m.Where(p => names.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal); },
        ["omit"] = (a, _) => { var v = Values(a); var m = MapOf(At(v, 0, "omit"), "omit"); var names = v.Skip(1).Select(x => Text(x)).ToHashSet(StringComparer.Ordinal); return m.Where(p => !names.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal); },
        ["merge"] = (a, _) => Merge(Values(a), overwrite: false),
        ["mergeOverwrite"] = (a, _) => Merge(Values(a), overwrite: true),
        ["dig"] = (a, _) => Dig(Values(a)),
        ["deepCopy"] = (a, _) => DeepCopy(One(a, "deepCopy")),

        // math (sprig converts with cast.ToInt64 / ToFloat64)
        ["add"] = (a, _) => Values(a).Sum(Integer),
        ["add1"] = (a, _) => Integer(One(a, "add1")) + 1,
        ["sub"] = (a, _) => { var v = Two(a, "sub"); return Integer(v.A) - Integer(v.B); },
        ["mul"] = (a, _) => Values(a).Aggregate(1L, (p, x) => p * Integer(x)),
        ["div"] = (a, _) => { var v = Two(a, "div"); var d = Integer(v.B); return d == 0 ? throw new TemplateEvaluationException("div: integer divide by zero") : Integer(v.A) / d; },
        ["mod"] = (a, _) => { var v = Two(a, "mod"); var d = Integer(v.B); return d == 0 ? throw new TemplateEvaluationException("mod: integer divide by zero") : Integer(v.A) % d; },
        ["max"] = (a, _) => Values(a).Select(Integer).Max(),
        ["min"] = (a, _) => Values(a).Select(Integer).Min(),
        ["floor"] = (a, _) => Math.Floor(Real(One(a, "floor"))),
        ["ceil"] = (a, _) => Math.Ceiling(Real(One(a, "ceil"))),
        ["round"] = (a, _) => { var v = Values(a); var p = Math.Pow(10, Integer(At(v, 1, "round"))); return Math.Round(Real(v[0]) * p, MidpointRounding.AwayFromZero) / p; },
        ["atoi"] = (a, _) => long.TryParse(Text(One(a, "atoi")), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : 0L,
        ["int"] = (a, _) => Integer(One(a, "int")),
        ["int64"] = (a, _) => Integer(One(a, "int64")),
        ["float64"] = (a, _) => Real(One(a, "float64")),

        // types
        ["typeOf"] = (a, _) => TypeName(One(a, "typeOf")),
        ["kindOf"] = (a, _) => Kind(One(a, "kindOf")),
        ["kindIs"] = (a, _) => { var v = Two(a, "kindIs"); return Text(v.A) == Kind(v.B); },
        ["typeIs"] = (a, _) => { var v = Two(a, "typeIs"); return Text(v.A) == TypeName(v.B); },
        ["deepEqual"] = (a, _) => { var v = Two(a, "deepEqual"); return DeepEquals(v.A, v.B); },
    };

    /// <summary>The names a template may call, for the documentation and its test.</summary>
    public static IReadOnlyCollection<string> Names => Functions.Keys;

    public static object? Call(string name, IReadOnlyList<Func<object?>> arguments, TemplateEvaluator evaluator)
    {
        if (!Functions.TryGetValue(name, out var function))
        {
            throw new TemplateEvaluationException(
                Changing.Contains(name) ? $"function \"{name}\" is not supported: its result changes on every render, and the worker renders on every sync"
                : Removed.Contains(name) ? $"function \"{name}\" is not available (the controller removes it)"
                : $"function \"{name}\" not defined");
        }

        evaluator.CountStep();
        object? result;
        try
        {
            result = function(arguments, evaluator);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new TemplateEvaluationException($"error calling {name}: the regular expression took too long");
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or IndexOutOfRangeException or InvalidOperationException)
        {
            // .NET's messages may quote an argument (a value); only the function's name is safe to show.
            throw new TemplateEvaluationException($"error calling {name}: invalid arguments");
        }

        evaluator.CheckSize(result switch
        {
            string s => Encoding.UTF8.GetByteCount(s),
            byte[] b => b.Length,
            List<object?> l => l.Count,
            _ => 0,
        });
        return result;
    }

    /// <summary>Fails before a function is called with the wrong number of arguments, as Go's template does.</summary>
    private static object? One(IReadOnlyList<Func<object?>> arguments, string name) =>
        arguments.Count == 1 ? arguments[0]() : throw WrongCount(name, 1, arguments.Count);

    private static (object? A, object? B) Two(IReadOnlyList<Func<object?>> arguments, string name) =>
        arguments.Count == 2 ? (arguments[0](), arguments[1]()) : throw WrongCount(name, 2, arguments.Count);

    private static List<object?> Values(IReadOnlyList<Func<object?>> arguments) => arguments.Select(a => a()).ToList();

    private static object? At(List<object?> values, int index, string name) =>
        values.Count > index ? values[index] : throw WrongCount(name, index + 1, values.Count);

    private static TemplateEvaluationException WrongCount(string name, int want, int got) =>
        new($"wrong number of args for {name}: want {want} got {got}");

    private static string GoPrint(List<object?> values)
    {
        // fmt.Sprint: a space between operands when neither is a string.
        var text = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0 && values[i] is not (string or byte[]) && values[i - 1] is not (string or byte[]))
            {
                text.Append(' ');
            }

            text.Append(Format(values[i]));
        }

        return text.ToString();
    }

    private static object? Index(List<object?> values, TemplateEvaluator evaluator)
    {
        if (values.Count == 0)
        {
            throw new TemplateEvaluationException("wrong number of args for index: want at least 1 got 0");
        }

        var item = values[0];
        foreach (var key in values.Skip(1))
        {
            item = item switch
            {
                Dictionary<string, object?> map when evaluator.IsRoot(map) => map.TryGetValue(Text(key), out var v)
                    ? v
                    : throw new TemplateEvaluationException($"refers to \"{Text(key)}\", which is not in encryptedData"),
                Dictionary<string, object?> map => map.GetValueOrDefault(Text(key)),
                List<object?> list => key is long i && i >= 0 && i < list.Count ? list[(int)i] : throw new TemplateEvaluationException($"error calling index: index out of range: {Format(key)}"),
                string or byte[] => key is long i && i >= 0 && i < Bytes(item).Length ? (long)Bytes(item)[i] : throw new TemplateEvaluationException($"error calling index: index out of range: {Format(key)}"),
                null => throw new TemplateEvaluationException("error calling index: index of untyped nil"),
                _ => throw new TemplateEvaluationException($"error calling index: can't index item of type {TypeName(item)}"),
            };
        }

        return item;
    }

    private static object? Slice(List<object?> values)
    {
        var item = values.Count > 0 ? values[0] : throw WrongCount("slice", 1, 0);
        var bounds = values.Skip(1).Select(Integer).ToList();
        var length = item switch
        {
            List<object?> l => l.Count,
            string or byte[] => Bytes(item).Length,
            _ => throw new TemplateEvaluationException($"error calling slice: can't slice item of type {TypeName(item)}"),
        };
        var from = bounds.Count > 0 ? bounds[0] : 0;
        var to = bounds.Count > 1 ? bounds[1] : length;
        if (from < 0 || to < from || to > length)
        {
            throw new TemplateEvaluationException($"error calling slice: index out of range: {from}:{to}");
        }

        return item is List<object?> list ? list.GetRange((int)from, (int)(to - from)) : Encoding.UTF8.GetString(Bytes(item), (int)from, (int)(to - from));
    }

    private static string Repeat(IReadOnlyList<Func<object?>> arguments, TemplateEvaluator evaluator)
    {
        var (count, text) = Two(arguments, "repeat");
        var times = Integer(count);
        var s = Text(text);
        if (times < 0)
        {
            throw new TemplateEvaluationException("error calling repeat: negative count");
        }

        evaluator.CheckSize(times * Encoding.UTF8.GetByteCount(s));
        return string.Concat(Enumerable.Repeat(s, (int)times));
    }

    private static string Substr(List<object?> values)
    {
        var s = Text(At(values, 2, "substr"));
        var start = (int)Math.Clamp(Integer(values[0]), int.MinValue, int.MaxValue);
        var end = (int)Math.Clamp(Integer(values[1]), int.MinValue, int.MaxValue);
        // sprig: start < 0 means from 0; end < 0 or past the end means to the end; start past end gives "".
        if (start < 0)
        {
            start = 0;
        }

        if (end < 0 || end > s.Length)
        {
            end = s.Length;
        }

        return start > end ? string.Empty : s[start..end];
    }

    private static string Indent(string text, long spaces, TemplateEvaluator evaluator)
    {
        var lines = text.Split('\n');
        evaluator.CheckSize(Encoding.UTF8.GetByteCount(text) + (lines.LongLength * Math.Max(0, spaces)));
        var pad = new string(' ', (int)Math.Max(0, spaces));
        return pad + text.Replace("\n", "\n" + pad, StringComparison.Ordinal);
    }

    private static string Replace(IReadOnlyList<Func<object?>> arguments, TemplateEvaluator evaluator)
    {
        if (arguments.Count != 3)
        {
            throw WrongCount("replace", 3, arguments.Count);
        }

        var (old, replacement, text) = (Text(arguments[0]()), Text(arguments[1]()), Text(arguments[2]()));
        if (old.Length == 0)
        {
            // Go inserts the replacement between every rune (and at both ends).
            var runes = text.EnumerateRunes().Select(r => r.ToString()).ToList();
            evaluator.CheckSize((long)(runes.Count + 1) * Encoding.UTF8.GetByteCount(replacement) + Encoding.UTF8.GetByteCount(text));
            return replacement + string.Join(replacement, runes) + (runes.Count > 0 ? replacement : string.Empty);
        }

        var occurrences = (text.Length - text.Replace(old, string.Empty, StringComparison.Ordinal).Length) / old.Length;
        evaluator.CheckSize(Encoding.UTF8.GetByteCount(text) + ((long)occurrences * Encoding.UTF8.GetByteCount(replacement)));
        return text.Replace(old, replacement, StringComparison.Ordinal);
    }

    private static string Title(string text)
    {
        // strings.Title: upper-case the first letter of each word, words separated by non-letters.
        var chars = text.ToCharArray();
        var previousIsLetter = false;
        for (var i = 0; i < chars.Length; i++)
        {
            var isWordChar = char.IsLetterOrDigit(chars[i]) || chars[i] is '_' or '\'';
            if (isWordChar && !previousIsLetter)
            {
                chars[i] = char.ToUpperInvariant(chars[i]);
            }

            previousIsLetter = isWordChar;
        }

        return new string(chars);
    }

    private static string Untitle(string text) =>
        string.Join(' ', text.Split(' ').Select(w => w.Length > 0 ? char.ToLowerInvariant(w[0]) + w[1..] : w));

    private static string Words(string text, string separator, bool lower)
    {
        var words = System.Text.RegularExpressions.Regex.Matches(text, "[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", RegexOptions.None, RegexTimeout).Select(m => m.Value);
        return string.Join(separator, words.Select(w => lower ? w.ToLowerInvariant() : w));
    }

    private static string Wrap(string text, int width, string newline)
    {
        if (width < 1)
        {
            return text;
        }

        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : string.Empty).Append(word);
        }

        lines.Add(line.ToString());
        return string.Join(newline, lines);
    }

    /// <summary>Go's regexp is RE2 (linear time); the non-backtracking engine keeps that promise against a hostile pattern.</summary>
    private static Regex Regex(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (ArgumentException)
        {
            throw new TemplateEvaluationException("invalid regular expression");
        }
    }

    private static object Decode(Func<byte[]> decode, string name)
    {
        try
        {
            return decode();
        }
        catch (FormatException)
        {
            // sprig returns the error's text as the value; quoting the input here could show a secret.
            throw new TemplateEvaluationException($"error calling {name}: the input is not valid {(name == "b64dec" ? "base64" : "base32")}");
        }
    }

    private static string ToJson(object? value, bool indented, bool escapeHtml)
    {
        var text = ToNode(value)?.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = indented,
            IndentSize = 2,
            Encoder = GoJsonEncoder.Raw,
        }) ?? "null";
        return escapeHtml ? GoJsonEncoder.EscapeHtml(text) : text;
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string or byte[] => JsonValue.Create(Text(value)),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        List<object?> list => new JsonArray(list.Select(ToNode).ToArray()),
        Dictionary<string, object?> map => new JsonObject(map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, ToNode(p.Value)))),
        _ => JsonValue.Create(Format(value)),
    };

    private static object? FromJson(string text)
    {
        try
        {
            return FromNode(JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }));
        }
        catch (JsonException)
        {
            return new Dictionary<string, object?>(StringComparer.Ordinal) { ["Error"] = "invalid JSON" };
        }
    }

    private static object? FromNode(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => FromNode(p.Value), StringComparer.Ordinal),
        JsonArray a => a.Select(FromNode).ToList(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v => v.GetValue<double>(), // Go's encoding/json decodes every number to float64
        _ => null,
    };

    private static uint Adler32(byte[] data)
    {
        uint a = 1, b = 0;
        foreach (var d in data)
        {
            a = (a + d) % 65521;
            b = (b + a) % 65521;
        }

        return (b << 16) | a;
    }

    private static List<object?> ListOf(object? value, string name) => value switch
    {
        List<object?> list => list,
        null => [],
        _ => throw new TemplateEvaluationException($"error calling {name}: cannot find {name} on type {TypeName(value)}"),
    };

    private static Dictionary<string, object?> MapOf(object? value, string name) => value as Dictionary<string, object?>
        ?? throw new TemplateEvaluationException($"error calling {name}: wrong type for value; expected map[string]interface {{}}; got {TypeName(value)}");

    private static Dictionary<string, object?> Dict(List<object?> values)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < values.Count; i += 2)
        {
            map[Text(values[i])] = i + 1 < values.Count ? values[i + 1] : string.Empty;
        }

        return map;
    }

    private static Dictionary<string, object?> Merge(List<object?> values, bool overwrite)
    {
        var destination = MapOf(values.Count > 0 ? values[0] : null, overwrite ? "mergeOverwrite" : "merge");
        foreach (var source in values.Skip(1).Select(v => MapOf(v, "merge")))
        {
            foreach (var (key, value) in source)
            {
                if (destination.TryGetValue(key, out var existing) && existing is Dictionary<string, object?> a && value is Dictionary<string, object?> b)
                {
                    Merge([a, b], overwrite);
                }
                else if (overwrite || !destination.ContainsKey(key) || !IsTrue(existing))
                {
                    destination[key] = value;
                }
            }
        }

        return destination;
    }

    private static object? Dig(List<object?> values)
    {
        if (values.Count < 3)
        {
            throw WrongCount("dig", 3, values.Count);
        }

        var map = MapOf(values[^1], "dig");
        var keys = values.Take(values.Count - 2).Select(v => Text(v)).ToList();
        object? current = map;
        foreach (var key in keys)
        {
            if (current is not Dictionary<string, object?> m || !m.TryGetValue(key, out current))
            {
                return values[^2];
            }
        }

        return current;
    }

    private static object? DeepCopy(object? value) => value switch
    {
        List<object?> list => list.Select(DeepCopy).ToList(),
        Dictionary<string, object?> map => map.ToDictionary(p => p.Key, p => DeepCopy(p.Value), StringComparer.Ordinal),
        _ => value,
    };

    private static bool DeepEquals(object? left, object? right) => (left, right) switch
    {
        (List<object?> a, List<object?> b) => a.Count == b.Count && a.Zip(b).All(p => DeepEquals(p.First, p.Second)),
        (Dictionary<string, object?> a, Dictionary<string, object?> b) => a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && DeepEquals(p.Value, v)),
        (List<object?> or Dictionary<string, object?>, _) or (_, List<object?> or Dictionary<string, object?>) => false,
        ({ } a, { } b) when TypeName(a) != TypeName(b) => false,
        _ => BasicEquals(left, right),
    };

    private static List<object?> Sequence(long from, long to, long step, TemplateEvaluator evaluator)
    {
        if (step == 0 || (step > 0 && from >= to) || (step < 0 && from <= to))
        {
            return [];
        }

        var count = ((to - from) / step) + ((to - from) % step == 0 ? 0 : 1);
        evaluator.CheckSize(count);
        var list = new List<object?>();
        for (var i = from; step > 0 ? i < to : i > to; i += step)
        {
            evaluator.CountStep();
            list.Add(i);
        }

        return list;
    }

    /// <summary>sprig's seq, like the Unix command: <c>seq LAST</c>, <c>seq FIRST LAST</c>, <c>seq FIRST STEP LAST</c>; a string of numbers joined by spaces.</summary>
    private static string Seq(List<object?> values, TemplateEvaluator evaluator)
    {
        var numbers = values.Select(Integer).ToList();
        var (first, step, last) = numbers.Count switch
        {
            1 => (1L, numbers[0] >= 1 ? 1L : -1L, numbers[0]),
            2 => (numbers[0], numbers[1] >= numbers[0] ? 1L : -1L, numbers[1]),
            3 => (numbers[0], numbers[1], numbers[2]),
            _ => throw new TemplateEvaluationException("error calling seq: takes 1 to 3 arguments"),
        };
        if (step == 0 || (step > 0 && first > last) || (step < 0 && first < last))
        {
            return string.Empty;
        }

        var list = Sequence(first, last + (step > 0 ? 1 : -1), step, evaluator);
        return string.Join(' ', list.Select(v => Format(v)));
    }

    private static string Kind(object? value) => value switch
    {
        null => "invalid",
        string or byte[] => "string",
        long => "int",
        double => "float64",
        bool => "bool",
        List<object?> => "slice",
        Dictionary<string, object?> => "map",
        _ => "interface",
    };

    private static string JsEscape(string text)
    {
        var result = new StringBuilder();
        foreach (var c in text)
        {
            result.Append(c switch
            {
                '\\' => "\\\\",
                '\'' => "\\'",
                '"' => "\\\"",
                '<' => "\\u003C",
                '>' => "\\u003E",
                '&' => "\\u0026",
                '=' => "\\u003D",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c < ' ' => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }

        return result.ToString();
    }
}
