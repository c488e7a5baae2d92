namespace NasNet.Grains.Interfaces;

/// <summary>
/// A request the cluster refused because of what the user asked (an unknown campaign, a config the controller
/// rejects, an evaluation of an unfinished search): its message is one line naming the problem and the fix. Grains
/// throw the domain's <c>UserErrorException</c>; a call filter in the silo turns it into this serializable form.
/// </summary>
[GenerateSerializer, Alias("NasNet.UserRequestException")]
public sealed class UserRequestException : Exception
{
    public UserRequestException()
    {
    }

    public UserRequestException(string message) : base(message)
    {
    }

    public UserRequestException(string message, Exception inner) : base(message, inner)
    {
    }
}
