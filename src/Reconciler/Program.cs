using GitOpsSecrets.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return await CliApp.RunAsync(args, CliHost.FromProcess(KubesealAlias.InvocationNameOfProcess()), cancellation.Token);
