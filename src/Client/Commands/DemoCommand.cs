using System.CommandLine;

namespace NasNet.Client.Commands;

/// <summary>`nasnet ... demo` (placeholder until implemented).</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "not implemented yet");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("error: 'demo' is not implemented yet");
            return 1;
        });
        return command;
    }
}
