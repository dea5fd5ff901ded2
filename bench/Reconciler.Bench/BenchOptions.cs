using System.Globalization;

namespace GitOpsSecrets.Bench;

public static class BenchOptions
{
    public static int Int(string[] args, string name, int fallback) =>
        args.SkipWhile(a => a != name).Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(fallback);

    public static string? String(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
}
