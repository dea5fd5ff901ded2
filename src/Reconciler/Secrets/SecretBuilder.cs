using System.Text;
using GitOpsSecrets.IO;

namespace GitOpsSecrets.Secrets;

/// <summary>
/// Builds a Secret from the sources <c>kubectl create secret generic</c> takes: literals, files,
/// directories and env files, with kubectl's rules for key names and duplicates.
/// </summary>
public sealed class SecretBuilder
{
    private readonly Secret _secret;

    public SecretBuilder(string? name, string? @namespace, string? type = null)
    {
        _secret = new Secret
        {
            Metadata = new ObjectMetadata { Name = name, Namespace = @namespace },
            Type = string.IsNullOrEmpty(type) ? Secret.DefaultType : type,
        };
    }

    /// <summary><c>key=value</c>; the value is everything after the first '='.</summary>
    public SecretBuilder AddLiteral(string source)
    {
        var split = source.IndexOf('=', StringComparison.Ordinal);
        if (split < 0)
        {
            // Without '=' the whole argument may well be the value itself (KEY= forgotten): never echo it.
            throw new InputException("--from-literal: expected key=value, and this argument has no '=' (it is not shown: it may be a secret value)");
        }

        if (split == 0)
        {
            throw new InputException("--from-literal: expected key=value, and the key before '=' is empty (the value is not shown)");
        }

        return Add(source[..split], Encoding.UTF8.GetBytes(source[(split + 1)..]), "--from-literal");
    }

    /// <summary><c>[key=]path</c>; a directory adds each regular file in it under its file name.</summary>
    public SecretBuilder AddFile(string source)
    {
        var split = source.IndexOf('=', StringComparison.Ordinal);
        var key = split > 0 ? source[..split] : null;
        var path = split > 0 ? source[(split + 1)..] : source;
        if (split == 0 || path.Length == 0)
        {
            throw new InputException($"--from-file \"{source}\": expected [key=]path");
        }

        if (Directory.Exists(path))
        {
            if (key is not null)
            {
                throw new InputException($"--from-file \"{source}\": a key cannot be given for a directory");
            }

            foreach (var file in Directory.EnumerateFiles(path).Order(StringComparer.Ordinal))
            {
                if (File.GetAttributes(file).HasFlag(FileAttributes.Directory))
                {
                    continue;
                }

                Add(Path.GetFileName(file), BoundedInput.ReadFile(file), $"--from-file {file}");
            }

            return this;
        }

        if (!File.Exists(path))
        {
            throw new InputException($"--from-file: {path}: no such file or directory");
        }

        return Add(key ?? Path.GetFileName(path), BoundedInput.ReadFile(path), $"--from-file {path}");
    }

    /// <summary>kubectl's <c>--from-literal</c>, <c>--from-file</c> and <c>--from-env-file</c>, in that order.</summary>
    public SecretBuilder AddSources(IEnumerable<string>? literals, IEnumerable<string>? files, IEnumerable<string>? envFiles, Func<string, string?> environment)
    {
        foreach (var literal in literals ?? [])
        {
            AddLiteral(literal);
        }

        foreach (var file in files ?? [])
        {
            AddFile(file);
        }

        foreach (var envFile in envFiles ?? [])
        {
            AddEnvFile(envFile, environment);
        }

        return this;
    }

    /// <summary>
    /// Lines of <c>KEY=VALUE</c>; blank lines and <c>#</c> comments are skipped, and a line with a
    /// name only takes the value of that environment variable (kubectl's rules).
    /// </summary>
    public SecretBuilder AddEnvFile(string path, Func<string, string?> environment)
    {
        if (!File.Exists(path))
        {
            throw new InputException($"--from-env-file: {path}: no such file");
        }

        var lineNumber = 0;
        foreach (var raw in File.ReadAllLines(path, Encoding.UTF8))
        {
            lineNumber++;
            var line = (lineNumber == 1 ? raw.TrimStart('\uFEFF') : raw).TrimStart();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var split = line.IndexOf('=', StringComparison.Ordinal);
            var key = split >= 0 ? line[..split] : line.TrimEnd();
            if (!IsEnvVarName(key))
            {
                // The line may be a value pasted without its KEY= (base64 padding supplies an '='): never echoed.
                throw new InputException(split >= 0
                    ? $"{path}:{lineNumber}: the name before '=' is not a valid environment variable name (letters, digits, '_', '-', '.', not starting with a digit; the line is not shown: it may hold a secret value)"
                    : $"{path}:{lineNumber}: expected KEY=VALUE or a variable name, and this line is neither (it is not shown: it may be a secret value)");
            }

            // kubectl takes os.Getenv(key): a variable that is not set gives an empty value, not no key.
            var value = split >= 0 ? line[(split + 1)..] : environment(key) ?? string.Empty;
            Add(key, Encoding.UTF8.GetBytes(value), $"{path}:{lineNumber}");
        }

        return this;
    }

    public SecretBuilder Add(string key, byte[] value, string origin)
    {
        if (!KubernetesNames.IsValidDataKey(key))
        {
            throw new InputException($"{origin}: \"{key}\" is not a valid key name: {KubernetesNames.DataKeyRule}");
        }

        if (!_secret.Data.TryAdd(key, value))
        {
            throw new InputException($"{origin}: cannot add key \"{key}\", another key by that name already exists");
        }

        return this;
    }

    public Secret Build() => _secret.Clone();

    private static bool IsEnvVarName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
}
