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
    [InlineData(0, 0.1)]
    [InlineData(50, 0.05)]
    [InlineData(100, 0.0)]
    [InlineData(150, 0.0)]
    public void CosineSchedule_SinglePeriod_DecaysFromInitialToZero(long step, double expected)
    {
        Assert.Equal(expected, CosineSchedule.At(0.1, step, 100), 12);
    }
}
