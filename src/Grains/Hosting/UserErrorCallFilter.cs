using NasNet.Core;

namespace NasNet.Grains.Hosting;

/// <summary>
/// Turns a grain's <see cref="UserErrorException"/> (a Core type, which Orleans cannot serialize) into a
/// <see cref="UserRequestException"/> with the same one-line message, so the caller can print it.
/// </summary>
public sealed class UserErrorCallFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (UserErrorException e)
        {
            throw new UserRequestException(e.Message);
        }
    }
}
