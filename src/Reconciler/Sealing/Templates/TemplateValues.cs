using System.Globalization;
using System.Text;

namespace GitOpsSecrets.Sealing.Templates;

/// <summary>
/// Template values as Go sees them: strings (a value from encryptedData stays <c>byte[]</c>, so binary
/// values print exactly), <c>long</c>, <c>double</c>, <c>bool</c>, null (Go's missing value), lists and
/// string-keyed maps. Printing follows fmt's %v; truth follows text/template's.
/// </summary>
internal static class TemplateValues
{
    public const string NoValue = "<no value>";

    public static bool IsTrue(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        byte[] bytes => bytes.Length > 0,
        List<object?> list => list.Count > 0,
        Dictionary<string, object?> map => map.Count > 0,
        _ => true,
    };

    /// <summary>Appends the value as Go's fmt.Print would (%v).</summary>
    public static void Print(object? value, List<byte> output)
    {
        if (value is byte[] bytes)
        {
            output.AddRange(bytes);
            return;
        }

        output.AddRange(Encoding.UTF8.GetBytes(Format(value, top: true)));
    }

    public static string Format(object? value, bool top = false) => value switch
    {
        null => top ? NoValue : "<nil>",
        string s => s,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        List<object?> list => "[" + string.Join(' ', list.Select(v => Format(v))) + "]",
        Dictionary<string, object?> map => "map[" + string.Join(' ', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{Format(p.Value)}")) + "]",
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Go's %v for float64 (strconv 'g', shortest): the shortest round-trip digits, with an exponent when it is below -4 or at least 6.</summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0" : "0";
        }

        // "R" gives the shortest digits that round-trip; take them apart into digits and a decimal point position.
        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var parts = text.Split('E');
        var exponent = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        var mantissa = parts[0];
        var point = mantissa.IndexOf('.');
        var digits = mantissa.Replace(".", string.Empty, StringComparison.Ordinal);
        var decimalPoint = (point < 0 ? mantissa.Length : point) + exponent;
        var leading = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        decimalPoint -= leading;
        var sign = value < 0 ? "-" : string.Empty;
        var x = decimalPoint - 1;
        if (x < -4 || x >= 6)
        {
            var fraction = digits.Length > 1 ? "." + digits[1..] : string.Empty;
            return $"{sign}{digits[0]}{fraction}e{(x < 0 ? '-' : '+')}{Math.Abs(x):00}";
        }

        if (decimalPoint <= 0)
        {
            return $"{sign}0.{new string('0', -decimalPoint)}{digits}";
        }

        return decimalPoint >= digits.Length
            ? sign + digits + new string('0', decimalPoint - digits.Length)
            : $"{sign}{digits[..decimalPoint]}.{digits[decimalPoint..]}";
    }

    /// <summary>The text of a value, for functions that take strings (sprig converts with fmt, as here).</summary>
    public static string Text(object? value) => value switch
    {
        null => string.Empty,
        _ => Format(value),
    };

    public static byte[] Bytes(object? value) => value is byte[] bytes ? bytes : Encoding.UTF8.GetBytes(Text(value));

    /// <summary>sprig's toInt64 (cast.ToInt64): numbers, booleans and numeric strings; anything else is 0.</summary>
    public static long Integer(object? value) => value switch
    {
        long l => l,
        double d => (long)d,
        bool b => b ? 1 : 0,
        string or byte[] => long.TryParse(Text(value).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l
            : double.TryParse(Text(value).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (long)d : 0,
        _ => 0,
    };

    public static double Real(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        string or byte[] => double.TryParse(Text(value).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0,
        _ => 0,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "nil",
        string or byte[] => "string",
        long => "int",
        double => "float64",
        bool => "bool",
        List<object?> => "[]interface {}",
        Dictionary<string, object?> => "map[string]interface {}",
        _ => value.GetType().Name,
    };

    /// <summary>Go's == for the basic kinds text/template compares; strings by their bytes.</summary>
    public static bool BasicEquals(object? left, object? right) => (left, right) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (string or byte[], string or byte[]) => Bytes(left).AsSpan().SequenceEqual(Bytes(right)),
        (long a, long b) => a == b,
        (long or double, long or double) => Real(left) == Real(right),
        (bool a, bool b) => a == b,
        _ => throw new TemplateEvaluationException($"incompatible types for comparison: {TypeName(left)} and {TypeName(right)}"),
    };

    public static int Compare(object? left, object? right) => (left, right) switch
    {
        (string or byte[], string or byte[]) => Bytes(left).AsSpan().SequenceCompareTo(Bytes(right)),
        (long a, long b) => a.CompareTo(b),
        (long or double, long or double) => Real(left).CompareTo(Real(right)),
        _ => throw new TemplateEvaluationException($"incompatible types for comparison: {TypeName(left)} and {TypeName(right)}"),
    };
}

/// <summary>A failure while running a template; the renderer prefixes the template key. Never carries a value.</summary>
internal sealed class TemplateEvaluationException(string message) : Exception(message);
