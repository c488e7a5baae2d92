namespace NasNet.Core;

/// <summary>
/// A problem with what the user gave (config field, genotype, dataset, address): its message is one line that names
/// the problem and the fix, and the console prints it as is, without a stack trace.
/// </summary>
public class UserErrorException(string message, Exception? inner = null) : Exception(message, inner);
