using System.CommandLine;

namespace NasNet.Client.Commands;

/// <summary>`nasnet ... draw` (placeholder until implemented).</summary>
public static class ArchDrawCommand
{
    public static Command Create()
    {
        var command = new Command("draw", "not implemented yet");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("error: 'draw' is not implemented yet");
            return 1;
        });
        return command;
    }
}
