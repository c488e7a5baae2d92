using System.CommandLine;
using NasNet.Core;

namespace NasNet.Client.Commands;

/// <summary>The `nasnet` command tree and its error policy: user errors print one line, never a stack trace.</summary>
public static class Cli
{
    /// <summary>Builds the root command.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("NasNet: neural architecture search (NASNet) on an Orleans cluster");
        var arch = new Command("arch", "Describe, count, draw and train a single architecture (no cluster)");
        arch.Subcommands.Add(ArchStatsCommand.Create());
        arch.Subcommands.Add(ArchDrawCommand.Create());
        arch.Subcommands.Add(ArchTrainCommand.Create());
        root.Subcommands.Add(arch);
        root.Subcommands.Add(CampaignCommands.Create());
        root.Subcommands.Add(DemoCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; returns the exit code (0 ok, 1 error, 2 usage).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        // Our own SIGINT/SIGTERM handling: System.CommandLine's handler throws when a second signal arrives (seen with
        // `timeout`, which signals `dotnet run` and its child). The first signal cancels the command (a local campaign
        // stops at its checkpoints and exports); a second one terminates the process the default way.
        using var cts = new CancellationTokenSource();
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext c)
        {
            c.Cancel = !cts.IsCancellationRequested;
            cts.Cancel();
        }

        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        try
        {
            var parse = Build().Parse(args);
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, cts.Token);
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            await error.WriteLineAsync($"error: {message}");
            return 1;
        }
    }

    /// <summary>The one-line message for an error the user can fix, or null for a bug (which keeps its trace).</summary>
    public static string? Describe(Exception e) => e switch
    {
        UserErrorException u => u.Message,
        UserRequestException r => r.Message,
        ArgumentException a => a.Message,
        FileNotFoundException f => f.Message,
        DirectoryNotFoundException d => d.Message,
        UnauthorizedAccessException u => u.Message,
        OperationCanceledException => "cancelled",
        AggregateException { InnerExceptions.Count: 1 } ag => Describe(ag.InnerExceptions[0]),
        _ => null,
    };
}
