using Microsoft.AspNetCore.Builder;
using NasNet.Core;
using NasNet.Silo;

try
{
    // Before any tensor exists (TorchSharp's OpenMP threads sleep instead of spinning between trainings).
    NasNet.Core.Training.OpenMp.PreferPassiveWait();
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
