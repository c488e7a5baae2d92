using System.CommandLine;

namespace NasNet.Client.Commands;

/// <summary>`nasnet ... train` (placeholder until implemented).</summary>
public static class ArchTrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "not implemented yet");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("error: 'train' is not implemented yet");
            return 1;
        });
        return command;
    }
}
