using Microsoft.AspNetCore.Builder;
using NasNet.Core;
using NasNet.Silo;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddNasNet();
    var app = builder.Build();
    app.MapNasNet();
    await app.RunAsync();
    return 0;
}
catch (UserErrorException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
