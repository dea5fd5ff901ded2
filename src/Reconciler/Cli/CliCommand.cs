using System.CommandLine;
using GitOpsSecrets.IO;
using GitOpsSecrets.Sealing;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsSecrets.Cli;

/// <summary>
/// One CLI command. Subclasses declare options and an action; this base turns expected failures into a
/// one-line <c>error: …</c> and the right exit code, with the stack trace only under <c>--verbose</c>.
/// </summary>
public abstract class CliCommand(CliHost host, SharedOptions shared)
{
    protected CliHost Host { get; } = host;

    protected SharedOptions Shared { get; } = shared;

    public abstract Command Build();

    protected Func<ParseResult, CancellationToken, Task<int>> Handler(Func<ParseResult, IServiceProvider, CancellationToken, Task<int>> body) =>
        async (parse, cancellationToken) =>
        {
            var verbose = parse.GetValue(Shared.Verbose);
            try
            {
                var engineText = parse.GetValue(Shared.CryptoEngine) ?? Host.GetEnvironmentVariable(RsaOaepFactory.EnvironmentVariable);
                if (!RsaOaepFactory.TryParse(engineText, out var engine))
                {
                    throw new UsageException($"--crypto-engine: unknown engine \"{engineText}\" (auto, openssl, bouncycastle)");
                }

                await using var services = Host.CreateServices(engine, verbose);
                return await body(parse, services, cancellationToken);
            }
            catch (Exception e) when (e is UsageException or WriteBack.BranchRequiredException)
            {
                return Fail(ExitCodes.Usage, e, verbose);
            }
            catch (InputException e)
            {
                return Fail(ExitCodes.InvalidInput, e, verbose);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Host.Error.WriteLineAsync("error: cancelled");
                return ExitCodes.Cancelled;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Fail(ExitCodes.Error, e, verbose);
            }
        };

    protected T Get<T>(IServiceProvider services)
        where T : notnull => services.GetRequiredService<T>();

    private int Fail(int code, Exception e, bool verbose)
    {
        Host.Error.WriteLine($"error: {TerminalText.Escape(e.Message)}");
        if (verbose)
        {
            Host.Error.WriteLine(e.ToString());
        }

        return code;
    }
}

/// <summary>The command line itself is wrong (conflicting or missing flags): exit code 2.</summary>
public sealed class UsageException : InputException
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
