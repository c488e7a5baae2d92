namespace NasNet.Core.Training;

/// <summary>Single-period cosine decay from the initial rate to 0 over the whole training (paper App. A.1).</summary>
public static class CosineSchedule
{
    /// <summary>The rate at <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public static double At(double initial, long step, long totalSteps) =>
        totalSteps <= 0 ? initial : 0.5 * initial * (1 + Math.Cos(Math.PI * Math.Min(step, totalSteps) / totalSteps));
}
