using System.CommandLine;

namespace NasNet.Client.Commands;

/// <summary>`nasnet campaign ...` (placeholder until implemented).</summary>
public static class CampaignCommands
{
    public static Command Create()
    {
        var command = new Command("campaign", "Start, watch and export search campaigns on a cluster");
        return command;
    }
}
