using NasNet.Client.Commands;

return await Cli.RunAsync(args);
