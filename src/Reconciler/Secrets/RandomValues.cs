using System.Security.Cryptography;

namespace GitOpsSecrets.Secrets;

/// <summary>Random secret values from a cryptographic generator, drawn uniformly from an alphabet.</summary>
public static class RandomValues
{
    public const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    public const string Hex = "0123456789abcdef";
    public const string Base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static IReadOnlyList<string> Alphabets { get; } = ["alphanumeric", "hex", "base64"];

    /// <summary>The characters of a named alphabet, or null for an unknown name.</summary>
    public static string? Named(string name) => name switch
    {
        "alphanumeric" => Alphanumeric,
        "hex" => Hex,
        "base64" => Base64,
        _ => null,
    };

    public static string Generate(int length, string alphabet)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var choices = alphabet.Distinct().ToArray();
        ArgumentOutOfRangeException.ThrowIfLessThan(choices.Length, 2, nameof(alphabet));
        return RandomNumberGenerator.GetString(choices, length);
    }
}
