using NasNet.Core.Datasets;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;
using NasNet.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // submodule fields are lower-case: they are checkpoint keys

namespace NasNet.Core.Tests.Training;

/// <summary>
/// oneDNN stays on behind two safeguards (see <see cref="CpuKernels"/>): the start-up self-test (the single-conv
/// NaN repro of bench/RESULTS.md) and the trainer's per-step guard. These tests switch oneDNN process-wide, so they
/// run alone.
/// </summary>
[Collection(TorchTrainingCollection.Name)]
public sealed class OneDnnGuardTests
{
    /// <summary>
    /// The repro on the product's path: the trainer's start-up decision, then convolutions of non-multiple-of-block
    /// widths (and a whole sampled NASNet child's convolution types through <see cref="ChildNetwork"/>) with the heap
    /// filled with NaN first. With oneDNN on, nothing may come out non-finite; where the self-test failed the
    /// decision must be off.
    /// </summary>
    [Fact]
    public void SingleConvRepro_OnTheProductPath_GivesNoNaN()
    {
        var trainer = new TorchCandidateTrainer();
        Assert.Equal(trainer.OneDnn.Enabled, CpuKernels.OneDnnEnabled);
        if (trainer.OneDnn.SelfTestBadSteps > 0)
        {
            Assert.False(CpuKernels.OneDnnEnabled); // a failed self-test must leave oneDNN off
            return;
        }

        Assert.Equal(0, CpuKernels.SelfTest(40));

        var space = CellSearchSpace.Default;
        var genotype = space.Decode(space.RandomDecisions(new Rng(2)));
        var config = (NetworkConfig.Cifar with { Cells = 1, ImageSize = 28, InChannels = 1, Classes = 10, AuxHead = false, DropPathKeepProb = 1 })
            .WithPenultimateFilters(96, genotype, exact: false);
        torch.manual_seed(2);
        using var net = new ChildNetwork(genotype, config);
        net.train();
        for (var step = 0; step < 3; step++)
        {
            using var scope = torch.NewDisposeScope();
            CpuKernels.FillFreedHeapWithNaN();
            net.zero_grad();
            var loss = torch.nn.functional.cross_entropy(net.call(torch.randn(64, 1, 28, 28)), torch.randint(0, 10, 64));
            loss.backward();
            Assert.True(double.IsFinite(loss.item<float>()));
            Assert.All(net.parameters(), p => Assert.True(p.grad is null || p.grad.isfinite().all().item<bool>()));
        }
    }

    /// <summary>
    /// A network that returns NaN whenever oneDNN is on stands in for a bad kernel: every step is re-run with oneDNN
    /// off and counted, the BatchNorm statistics the bad forward wrote are restored, oneDNN is back on afterwards,
    /// and the candidate still trains to a finite loss and a real accuracy instead of diverging.
    /// </summary>
    [Fact]
    public void BadKernel_StepsRerunWithoutOneDnn_CountedAndTrainingCompletes()
    {
        _ = new TorchCandidateTrainer();
        if (!CpuKernels.OneDnnEnabled)
        {
            return; // this machine failed the self-test: the guard has nothing to fall back from
        }

        var data = SyntheticDataset.Create(train: 96, test: 16, classes: 4, imageSize: 8, channels: 1, seed: 3);
        var splits = DatasetSplits.Create(data, 32, null);
        var spec = new ChildTrainingSpec { Epochs = 1, BatchSize = 16, LearningRate = 0.05, Threads = 0, Augment = Augmentation.None };
        var trainer = new ChildTrainer(spec, splits, torch.CPU, 5, "guard");
        TinyNetWithBadKernel? net = null;
        var run = trainer.Run(() => new TrainableModel(net = new TinyNetWithBadKernel()), null, null, null, CancellationToken.None, keep: m =>
        {
            var stats = m.Module.named_buffers().Where(b => b.name.Contains("running", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(stats);
            Assert.All(stats, b => Assert.True(b.buffer.isfinite().all().item<bool>(), $"{b.name} kept the bad forward's NaN"));
        });

        Assert.Equal(TrainingOutcome.Completed, run.Outcome);
        Assert.Equal(trainer.StepsPerEpoch, run.OneDnnFallbackSteps);
        Assert.True(double.IsFinite(run.FinalLoss));
        Assert.True(run.ValidationAccuracy > 0);
        Assert.True(CpuKernels.OneDnnEnabled); // the off switch was released
        Assert.True(net!.CallsWithOneDnn > 0 && net.CallsWithoutOneDnn >= trainer.StepsPerEpoch);
    }

    /// <summary>Nested and overlapping holders: oneDNN comes back on only when the last one is released.</summary>
    [Fact]
    public void WithoutOneDnn_CountsHolders()
    {
        _ = new TorchCandidateTrainer();
        if (!CpuKernels.OneDnnEnabled)
        {
            return;
        }

        var a = CpuKernels.WithoutOneDnn();
        var b = CpuKernels.WithoutOneDnn();
        Assert.False(CpuKernels.OneDnnEnabled);
        a.Dispose();
        a.Dispose(); // twice is once
        Assert.False(CpuKernels.OneDnnEnabled);
        b.Dispose();
        Assert.True(CpuKernels.OneDnnEnabled);
    }

    /// <summary>conv-BN-ReLU-pool-linear whose output is NaN while oneDNN is on (the BN statistics see it first).</summary>
    private sealed class TinyNetWithBadKernel : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Conv2d conv;
        private readonly TorchSharp.Modules.BatchNorm2d bn;
        private readonly TorchSharp.Modules.Linear head;

        public TinyNetWithBadKernel()
            : base(nameof(TinyNetWithBadKernel))
        {
            conv = nn.Conv2d(1, 8, 3, padding: 1, bias: false);
            bn = nn.BatchNorm2d(8);
            head = nn.Linear(8, 4);
            RegisterComponents();
        }

        public int CallsWithOneDnn { get; private set; }

        public int CallsWithoutOneDnn { get; private set; }

        public override Tensor forward(Tensor x)
        {
            var h = conv.call(x);
            if (training && CpuKernels.OneDnnEnabled)
            {
                CallsWithOneDnn++;
                h = h * double.NaN; // what unwritten NaN padding did to a convolution's output
            }
            else if (training)
            {
                CallsWithoutOneDnn++;
            }

            return head.call(nn.functional.relu(bn.call(h)).mean([2, 3]));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                conv.Dispose();
                bn.Dispose();
                head.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
