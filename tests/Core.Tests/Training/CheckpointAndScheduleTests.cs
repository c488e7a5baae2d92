using NasNet.Core.Training;

namespace NasNet.Core.Tests.Training;

public class CheckpointAndScheduleTests
{
    [Fact]
    public void TrainingCheckpoint_RoundTrip_KeepsEveryField()
    {
        var ck = new TrainingCheckpoint("fp", 3, [1, 2, 3, ulong.MaxValue], [9, 8], [1, 2, 3], [4], 12.5, 1234, 0.75);

        var back = TrainingCheckpoint.FromBytes(ck.ToBytes());

        Assert.Equal(("fp", 3, 12.5, 1234L, 0.75), (back.Fingerprint, back.EpochsDone, back.Seconds, back.ImagesTrained, back.LastLoss));
        Assert.Equal(ck.DataRngState, back.DataRngState);
        Assert.Equal(ck.TorchRngState, back.TorchRngState);
        Assert.Equal(ck.Model, back.Model);
        Assert.Equal(ck.Optimizer, back.Optimizer);
    }

    [Fact]
    public void TrainingCheckpoint_TruncatedBytes_ThrowsInvalidData()
    {
        var bytes = new TrainingCheckpoint("fp", 1, [1, 2, 3, 4], [1], [1, 2, 3, 4, 5], [1], 1, 1, 1).ToBytes();

        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes(bytes[..^10]));
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.FromBytes([0, 1, 2]));
    }

    [Theory]
    // Single period, no warm-up: from the initial rate to 0 over 100 steps, 0 after.
    [InlineData(0, 100, 0, 0.1)]
    [InlineData(50, 100, 0, 0.05)]
    [InlineData(100, 100, 0, 0.0)]
    [InlineData(150, 100, 0, 0.0)]
    // 4 warm-up steps (0.025, 0.05, 0.075, 0.1), then the cosine over the remaining 100 of 104.
    [InlineData(0, 104, 4, 0.025)]
    [InlineData(3, 104, 4, 0.1)]
    [InlineData(54, 104, 4, 0.05)]
    [InlineData(104, 104, 4, 0.0)]
    public void CosineSchedule_WarmsUpLinearlyThenDecaysFromInitialToZero(long step, long totalSteps, long warmupSteps, double expected)
    {
        Assert.Equal(expected, CosineSchedule.At(0.1, step, totalSteps, warmupSteps), 12);
    }

    [Fact]
    public void CosineSchedule_WarmUpLongerThanTraining_IsCutToTheTrainingAndNeverExceedsInitial()
    {
        // 50 warm-up steps asked of a 10-step training: warm-up over 9 steps, the last step at the initial rate.
        var rates = Enumerable.Range(0, 10).Select(s => CosineSchedule.At(0.1, s, 10, 50)).ToArray();
        Assert.All(rates, r => Assert.InRange(r, 0, 0.1 + 1e-12));
        Assert.Equal(0.1 / 9, rates[0], 12);
        Assert.Equal(0.1, rates[8], 12);
        Assert.Equal(0.1, rates[9], 12);
    }
}
