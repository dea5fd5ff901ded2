namespace GitOpsSecrets.Tests.Ui;

/// <summary>
/// Where the browser tests leave what they saw: screenshots and the request log, under the repository's
/// artifacts/ui (CI keeps artifacts/). docs/ui-seal.png and docs/ui-status.png are copies of these.
/// </summary>
public static class UiArtifacts
{
    public static string Directory { get; } = Create();

    public static string File(string name) => Path.Combine(Directory, name);

    private static string Create()
    {
        var root = Path.GetFullPath(Path.Combine(TestSupport.Vectors.Directory, "..", "..", "artifacts", "ui"));
        System.IO.Directory.CreateDirectory(root);
        return root;
    }
}
