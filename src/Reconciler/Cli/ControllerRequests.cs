using System.Text.Json.Nodes;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Cli;

/// <summary>
/// kubeseal's <c>--validate</c> and <c>--re-encrypt</c>: every SealedSecret of the input goes to the
/// controller, one request each, as kubeseal sends them. Unlike kubeseal, a failure does not stop the
/// run: each one is reported on its own line (file, document, name; never a value).
/// </summary>
public sealed class ControllerRequests(CliHost host, ControllerClient controller)
{
    /// <summary>Prints nothing when every SealedSecret decrypts (as kubeseal); exit 4 when one does not.</summary>
    public async Task<int> ValidateAsync(byte[] content, string name, CancellationToken cancellationToken)
    {
        var code = ExitCodes.Success;
        foreach (var (document, sealedSecret) in Read(content, name))
        {
            var answer = await controller.PostAsync(controller.VerifyUri, sealedSecret, cancellationToken);
            if (!answer.Succeeded)
            {
                code = Worse(code, await RefusedAsync(answer, document, $"unable to decrypt sealed secret {sealedSecret.Metadata.QualifiedName}", $"cannot validate sealed secret {sealedSecret.Metadata.QualifiedName}"));
            }
        }

        return code;
    }

    /// <summary>The re-encrypted SealedSecrets, or null (nothing to write) when any of them failed.</summary>
    public async Task<(int Code, IReadOnlyList<JsonNode>? Rotated)> ReEncryptAsync(byte[] content, string name, CancellationToken cancellationToken)
    {
        var code = ExitCodes.Success;
        var rotated = new List<JsonNode>();
        foreach (var (document, sealedSecret) in Read(content, name))
        {
            var answer = await controller.PostAsync(controller.RotateUri, sealedSecret, cancellationToken);
            if (!answer.Succeeded)
            {
                code = Worse(code, await RefusedAsync(answer, document, $"unable to rotate secret {sealedSecret.Metadata.QualifiedName}", $"cannot re-encrypt secret {sealedSecret.Metadata.QualifiedName}"));
                continue;
            }

            try
            {
                rotated.Add(SealedSecretManifest.ToNode(SealedSecretManifest.Read(ManifestReader.ReadSingle(answer.Body, controller.RotateUri.ToString()))));
            }
            catch (ManifestException e)
            {
                code = Worse(code, ExitCodes.Error);
                await host.Error.WriteLineAsync($"error: {document.Location}: {controller.RotateUri}: unexpected answer: {e.Reason}");
            }
        }

        return (code, code == ExitCodes.Success ? rotated : null);
    }

    /// <summary>
    /// One line for a request the controller did not answer with success, and its exit code: 409 is the
    /// controller's "does not decrypt" (<paramref name="undecryptable"/>), anything else a failure to ask.
    /// </summary>
    private async Task<int> RefusedAsync(ControllerAnswer answer, ManifestDocument document, string undecryptable, string failed)
    {
        var doesNotDecrypt = answer.Status == 409;
        await host.Error.WriteLineAsync(doesNotDecrypt ? $"error: {document.Location}: {undecryptable}" : $"error: {document.Location}: {failed}: {answer.Describe()}");
        return doesNotDecrypt ? ExitCodes.DecryptionFailed : ExitCodes.Error;
    }

    private static IEnumerable<(ManifestDocument Document, SealedSecret SealedSecret)> Read(byte[] content, string name)
    {
        var documents = ManifestReader.Read(content, name).Where(d => d.Root is not null).ToList();
        if (documents.Count == 0)
        {
            throw new InputException($"{name}: no SealedSecret in the input");
        }

        foreach (var document in documents)
        {
            if (!SealedSecretManifest.IsSealedSecret(document))
            {
                throw document.Error(document.Root, $"expected a SealedSecret, found {document.Kind ?? "a document without kind"}");
            }
        }

        // All parsed before the first request, so a malformed document fails the run before anything is sent.
        return documents.Select(d => (d, SealedSecretManifest.Read(d))).ToList();
    }

    /// <summary>Decryption failures (4) rank above other failures (1) so a script can tell them apart.</summary>
    private static int Worse(int current, int next) =>
        current == ExitCodes.Success ? next : current == ExitCodes.DecryptionFailed ? current : next == ExitCodes.DecryptionFailed ? next : current;
}
