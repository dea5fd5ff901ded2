using System.Globalization;

namespace GitOpsSecrets.Tests.TestSupport;

/// <summary>
/// The peak resident set of this process over a stretch of a test, from Linux's own high-water mark: writing
/// 5 to <c>/proc/self/clear_refs</c> resets <c>VmHWM</c> in <c>/proc/self/status</c> to the current RSS (Linux
/// 4.0+), so the mark read afterwards is the peak since the reset, taken by the kernel, not by sampling.
/// Only meaningful while nothing else runs in the process (a collection with parallelization disabled); in a
/// test process that ran other tests first, the peak includes what they left resident, so compare the growth
/// over <see cref="Baseline"/>.
/// </summary>
public sealed class PeakRss
{
    private PeakRss(string? unavailable, long? baseline)
    {
        Unavailable = unavailable;
        Baseline = baseline;
    }

    /// <summary>The resident set when the stretch started (after a full collection), in bytes.</summary>
    public long? Baseline { get; }

    /// <summary>Why there is no figure (not Linux, or the kernel refused the reset); null when there is one.</summary>
    public string? Unavailable { get; }

    public static PeakRss Start()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new PeakRss("not Linux", null);
        }

        try
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            File.WriteAllText("/proc/self/clear_refs", "5");
            return new PeakRss(null, Read("VmRSS:"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new PeakRss($"cannot reset VmHWM: {e.Message}", null);
        }
    }

    /// <summary>Bytes, or null when unavailable.</summary>
    public long? Peak() => Unavailable is null ? Read("VmHWM:") : null;

    /// <summary>A field of <c>/proc/self/status</c> (in kB there), in bytes.</summary>
    public static long? Read(string field)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? null : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
