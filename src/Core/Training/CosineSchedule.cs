namespace NasNet.Core.Training;

/// <summary>
/// Single-period cosine decay from the initial rate to 0 over the whole training (paper App. A.1), optionally after a
/// linear warm-up: step s &lt; W runs at initial x (s + 1) / W, then the cosine runs over the remaining steps.
/// </summary>
public static class CosineSchedule
{
    /// <summary>The rate at <paramref name="step"/> of <paramref name="totalSteps"/>, after <paramref name="warmupSteps"/> of linear warm-up.</summary>
    public static double At(double initial, long step, long totalSteps, long warmupSteps = 0)
    {
        if (totalSteps <= 0)
        {
            return initial;
        }

        var warm = Math.Clamp(warmupSteps, 0, totalSteps - 1);
        if (step < warm)
        {
            return initial * (step + 1) / warm;
        }

        var decay = totalSteps - warm;
        return 0.5 * initial * (1 + Math.Cos(Math.PI * Math.Min(step - warm, decay) / decay));
    }
}
