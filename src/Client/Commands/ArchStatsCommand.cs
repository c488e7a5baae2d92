using System.CommandLine;

namespace NasNet.Client.Commands;

/// <summary>`nasnet ... stats` (placeholder until implemented).</summary>
public static class ArchStatsCommand
{
    public static Command Create()
    {
        var command = new Command("stats", "not implemented yet");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("error: 'stats' is not implemented yet");
            return 1;
        });
        return command;
    }
}
