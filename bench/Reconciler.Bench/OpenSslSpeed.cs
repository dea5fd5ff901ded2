using System.Diagnostics;
using System.Globalization;

namespace GitOpsSecrets.Bench;

/// <summary>
/// The reference every crypto figure is a ratio against: <c>openssl speed rsa4096</c> measured in the
/// same run on the same machine, so a slow or busy machine moves both sides alike.
/// </summary>
public static class OpenSslSpeed
{
    /// <summary>RSA-4096 private-key operations per second ("sign/s") over all processes.</summary>
    public static double PrivateOpsPerSecond(int processes, int seconds) => OpsPerSecond(processes, seconds).Private;

    /// <summary>RSA-4096 private ("sign/s") and public ("verify/s") operations per second over all processes.</summary>
    public static (double Private, double Public) OpsPerSecond(int processes, int seconds)
    {
        var arguments = processes > 1 ? $"speed -multi {processes} -seconds {seconds} rsa4096" : $"speed -seconds {seconds} rsa4096";
        var start = new ProcessStartInfo("openssl", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start openssl");
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();

        // "rsa 4096 bits 0.005123s 0.000079s    195.2  12654.3": the sign/s and verify/s columns.
        var line = output.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith("rsa 4096 bits", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"unexpected 'openssl {arguments}' output:\n{output}");
        var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (double.Parse(columns[5], CultureInfo.InvariantCulture), double.Parse(columns[6], CultureInfo.InvariantCulture));
    }
}
