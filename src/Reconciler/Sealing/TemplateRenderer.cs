namespace GitOpsSecrets.Sealing;

/// <summary>
/// Renders <c>spec.template.data</c> as the controller does: Go text/template over the unsealed values
/// (dot is the map of values), with the sprig functions the controller registers (see
/// <see cref="Templates.TemplateFunctions"/>). Differences, on purpose: a reference to a value that is not
/// in encryptedData is an error (Go prints "&lt;no value&gt;" into the Secret), functions whose result
/// changes on each render are refused, and evaluation is bounded in steps and output size
/// (<see cref="Templates.TemplateLimits"/>), because the template comes from the repository.
/// </summary>
public static class TemplateRenderer
{
    /// <summary>Renders one template. Errors name the template key and never quote a value.</summary>
    public static byte[] Render(string key, string template, IReadOnlyDictionary<string, byte[]> values) =>
        Render(key, template, values, Templates.TemplateLimits.Default);

    internal static byte[] Render(string key, string template, IReadOnlyDictionary<string, byte[]> values, Templates.TemplateLimits limits)
    {
        ArgumentNullException.ThrowIfNull(values);
        var parsed = Templates.TemplateParser.Parse(key, template);
        var root = values.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal);
        try
        {
            return Templates.TemplateEvaluator.Run(parsed, root, limits);
        }
        catch (Templates.TemplateEvaluationException e)
        {
            throw new TemplateException(key, e.Message);
        }
    }
}

public sealed class TemplateException : GitOpsSecretsException
{
    public TemplateException(string key, string message)
        : base($"spec.template.data.{key}: {message}")
    {
    }

    public TemplateException()
    {
    }

    public TemplateException(string message)
        : base(message)
    {
    }

    public TemplateException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
