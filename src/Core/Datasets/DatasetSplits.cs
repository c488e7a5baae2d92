namespace NasNet.Core.Datasets;

/// <summary>
/// Train/validation indices held out of a dataset's training set with a fixed seed (the same split for every
/// candidate, so rewards are comparable), plus an optional cap on the training images. Indices, not copies: many
/// trainings share one loaded dataset.
/// </summary>
public sealed record DatasetSplits(LoadedDataset Data, int[] TrainIndices, int[] ValidationIndices)
{
    /// <summary>The split seed: fixed so every candidate sees the same validation set.</summary>
    public const int SplitSeed = 20180411;

    /// <summary>
    /// Validation images held out when the user gives no size: 5,000 for CIFAR-10 and Fashion-MNIST (the paper's
    /// 45k/5k split) but at most 10 %; 10 % of the training images otherwise (at least 1).
    /// </summary>
    public static int DefaultValidationSize(DatasetKind kind, int trainImages)
    {
        var tenth = Math.Max(1, trainImages / 10);
        return kind is DatasetKind.Cifar10 or DatasetKind.FashionMnist ? Math.Min(5000, tenth) : tenth;
    }

    /// <summary>
    /// Holds out <paramref name="validationSize"/> images (null = the dataset's default) and keeps at most
    /// <paramref name="trainLimit"/> of the rest for training (null = all).
    /// </summary>
    public static DatasetSplits Create(LoadedDataset data, int? validationSize = null, int? trainLimit = null)
    {
        var n = data.Train.Count;
        var validation = validationSize ?? data.DefaultValidationSize;
        if (validation < 1 || validation >= n)
        {
            throw new UserErrorException($"validation size {validation} does not fit {data.Name}'s {n} training images: use 1..{n - 1}");
        }

        if (trainLimit is < 1)
        {
            throw new UserErrorException($"training image limit {trainLimit} must be at least 1");
        }

        var order = Permutation(n, new Rng(SplitSeed));
        var val = order[..validation];
        var train = order[validation..];
        if (trainLimit is { } limit && limit < train.Length)
        {
            train = train[..limit];
        }

        return new DatasetSplits(data, train, val);
    }

    /// <summary>A uniformly random permutation of 0..n-1 (Fisher-Yates).</summary>
    public static int[] Permutation(int n, Rng rng)
    {
        var p = new int[n];
        for (var i = 0; i < n; i++)
        {
            p[i] = i;
        }

        for (var i = n - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }

        return p;
    }
}
