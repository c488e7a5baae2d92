using System.Collections.Concurrent;

namespace NasNet.Core.Datasets;

/// <summary>What to load: the dataset plus where and how.</summary>
/// <param name="Dataset">fashion-mnist | cifar10 | folder:PATH | synthetic.</param>
/// <param name="DataDir">Folder of the files (or the download cache); null = the dataset's default.</param>
/// <param name="ImageSize">Images per side for image folders and the synthetic set; null = default.</param>
/// <param name="Unreadable">Image folders: skip or reject files that cannot be decoded.</param>
/// <param name="AllowDownload">CIFAR-10: download into the cache when missing (tests turn it off).</param>
public sealed record DatasetSpec(DatasetRef Dataset, string? DataDir = null, int? ImageSize = null, UnreadableImagePolicy Unreadable = UnreadableImagePolicy.Skip, bool AllowDownload = true);

/// <summary>
/// Loads datasets by name, once per process: a cluster trains hundreds of candidates per process on the same data,
/// so loaded datasets are kept in a small cache keyed by the spec (concurrent callers share one load).
/// </summary>
public static class DatasetCatalog
{
    private static readonly ConcurrentDictionary<DatasetSpec, Lazy<LoadedDataset>> Cache = new();

    /// <summary>Loads (or returns the cached) dataset.</summary>
    public static LoadedDataset Load(DatasetSpec spec)
    {
        var key = Normalize(spec);
        var lazy = Cache.GetOrAdd(key, k => new Lazy<LoadedDataset>(() => LoadUncached(k), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Cache.TryRemove(new KeyValuePair<DatasetSpec, Lazy<LoadedDataset>>(key, lazy)); // let a fixed dataset load next time
            throw;
        }
    }

    /// <summary>Drops all cached datasets (tests; freeing memory).</summary>
    public static void Clear() => Cache.Clear();

    /// <summary>Loads without the cache.</summary>
    public static LoadedDataset LoadUncached(DatasetSpec spec) => spec.Dataset.Kind switch
    {
        DatasetKind.Folder => ImageFolder.Load(spec.Dataset.Path!, spec.ImageSize, spec.Unreadable),
        DatasetKind.FashionMnist => CheckSize(FashionMnist.Load(spec.DataDir), spec),
        DatasetKind.Cifar10 => CheckSize(Cifar10.Load(spec.DataDir, spec.AllowDownload), spec),
        DatasetKind.Synthetic => SyntheticDataset.Create(imageSize: spec.ImageSize ?? SyntheticDataset.DefaultImageSize),
        _ => throw new UserErrorException($"unknown dataset '{spec.Dataset}': use {DatasetRef.Accepted}"),
    };

    private static DatasetSpec Normalize(DatasetSpec spec) =>
        spec with
        {
            Dataset = spec.Dataset.Kind == DatasetKind.Folder ? DatasetRef.Folder(Path.GetFullPath(spec.Dataset.Path!)) : spec.Dataset,
            DataDir = spec.DataDir is null ? null : Path.GetFullPath(spec.DataDir),
        };

    private static LoadedDataset CheckSize(LoadedDataset data, DatasetSpec spec) =>
        spec.ImageSize is { } size && size != data.ImageSize
            ? throw new UserErrorException($"{data.Name} images are {data.ImageSize}x{data.ImageSize}; resizing it to {size} is not supported: leave the image size unset")
            : data;
}
