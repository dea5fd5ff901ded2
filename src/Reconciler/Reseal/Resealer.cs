using System.Text;
using GitOpsSecrets.IO;
using GitOpsSecrets.Manifests;
using GitOpsSecrets.Sealing;

namespace GitOpsSecrets.Reseal;

/// <summary>
/// Re-encrypts every SealedSecret under some paths to the newest key and rewrites the files in place:
/// only the encrypted values and the sealing-key annotation change (through <see cref="ManifestRewriter"/>),
/// a file with nothing to change is not written, a file with any failed document is not written at all,
/// and files are replaced atomically. No plaintext is ever held longer than one value, or written.
/// </summary>
public sealed class Resealer(ISealedSecretRotator rotator)
{
    private static readonly byte[] Marker = Encoding.UTF8.GetBytes(SealedSecret.Kind);

    /// <summary>Called after each file with the number of files done and the total.</summary>
    public Action<int, int>? Progress { get; init; }

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public async Task<ResealReport> RunAsync(IReadOnlyList<string> files, bool check, CancellationToken cancellationToken)
    {
        var newest = await rotator.NewestFingerprintAsync(cancellationToken);
        var outcomes = new FileOutcome[files.Count];
        var done = 0;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, files.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Parallelism), CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                outcomes[index] = await ProcessAsync(files[index], newest, check, ct);
                Progress?.Invoke(Interlocked.Increment(ref done), files.Count);
            });
        return new ResealReport(outcomes, newest, check);
    }

    private async Task<FileOutcome> ProcessAsync(string file, string newest, bool check, CancellationToken cancellationToken)
    {
        byte[] content;
        try
        {
            content = await BoundedInput.ReadFileAsync(file, cancellationToken);
        }
        catch (ManifestException e)
        {
            return new FileOutcome(file, [], false, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileOutcome(file, [], false, $"{file}: cannot read: {e.Message}");
        }

        if (content.AsSpan().IndexOf(Marker) < 0)
        {
            // Not a SealedSecret file (a Helm template need not even be YAML): not ours to parse.
            return new FileOutcome(file, [], false, null);
        }

        IReadOnlyList<ManifestDocument> documents;
        try
        {
            documents = ManifestReader.Read(content, file);
        }
        catch (ManifestException e)
        {
            return new FileOutcome(file, [], false, e.Message);
        }

        var rewriter = new ManifestRewriter(content, file);
        var results = new List<DocumentOutcome>();
        foreach (var document in documents)
        {
            // A List (kubectl get sealedsecrets -o yaml) is rewritten item by item, in place like any document.
            IReadOnlyList<ManifestDocument> sealedSecrets;
            try
            {
                sealedSecrets = SealedSecretManifest.SealedSecretsIn(document);
            }
            catch (ManifestException e)
            {
                var where = document.Location;
                results.Add(new DocumentOutcome(where.File, where.Document, where.Line, "(unreadable)", 0, ResealState.Failed, 0, [], e.Message));
                continue;
            }

            foreach (var sealedSecret in sealedSecrets)
            {
                results.Add(await RotateAsync(sealedSecret, rewriter, newest, cancellationToken));
            }
        }

        var failed = results.Any(r => r.State == ResealState.Failed);
        if (failed || rewriter.EditCount == 0)
        {
            return new FileOutcome(file, results.Select(r => r.State == ResealState.Resealed ? r with { State = ResealState.Pending } : r).ToList(), false, null);
        }

        byte[] rewritten;
        try
        {
            rewritten = rewriter.Apply();
        }
        catch (ManifestException e)
        {
            return new FileOutcome(file, results.Select(r => r.State == ResealState.Resealed ? r with { State = ResealState.Failed, Error = e.Message } : r).ToList(), false, e.Message);
        }

        if (check)
        {
            return new FileOutcome(file, results.Select(r => r.State == ResealState.Resealed ? r with { State = ResealState.Pending } : r).ToList(), false, null);
        }

        AtomicFile.Write(file, rewritten, OperatingSystem.IsWindows() ? AtomicFile.Default : File.GetUnixFileMode(file));
        return new FileOutcome(file, results, true, null);
    }

    private async Task<DocumentOutcome> RotateAsync(ManifestDocument document, ManifestRewriter rewriter, string newest, CancellationToken cancellationToken) =>
        await RotateDocumentAsync(document, rewriter, newest, cancellationToken) with { Item = document.Location.Item };

    private async Task<DocumentOutcome> RotateDocumentAsync(ManifestDocument document, ManifestRewriter rewriter, string newest, CancellationToken cancellationToken)
    {
        var location = document.Location;
        SealedSecret sealedSecret;
        try
        {
            sealedSecret = SealedSecretManifest.Read(document);
        }
        catch (ManifestException e)
        {
            return new DocumentOutcome(location.File, location.Document, location.Line, "(unreadable)", 0, ResealState.Failed, 0, [], e.Message);
        }

        var name = sealedSecret.Metadata.QualifiedName;
        var values = sealedSecret.EncryptedData.Count;
        var rotation = await rotator.RotateAsync(sealedSecret, cancellationToken);
        if (rotation.Error is not null)
        {
            return new DocumentOutcome(location.File, location.Document, location.Line, name, values, ResealState.Failed, 0, rotation.PreviousKeys, $"{location}: SealedSecret {name}: {rotation.Error}");
        }

        sealedSecret.Metadata.Annotations.TryGetValue(Unsealer.SealingKeyAnnotation, out var annotation);
        if (rotation.NewValues.Count == 0 && annotation == newest)
        {
            return new DocumentOutcome(location.File, location.Document, location.Line, name, values, ResealState.Current, 0, rotation.PreviousKeys, null);
        }

        foreach (var (key, value) in rotation.NewValues)
        {
            rewriter.Set(location, ["spec", "encryptedData", key], value);
        }

        rewriter.Set(location, ["metadata", "annotations", Unsealer.SealingKeyAnnotation], newest);
        return new DocumentOutcome(location.File, location.Document, location.Line, name, values, ResealState.Resealed, rotation.NewValues.Count, rotation.PreviousKeys, null);
    }
}
