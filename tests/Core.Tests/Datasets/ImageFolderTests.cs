using NasNet.Core.Datasets;
using SkiaSharp;

namespace NasNet.Core.Tests.Datasets;

public class ImageFolderTests
{
    private static void WritePng(string path, SKColor color, int size = 12)
    {
        using var bitmap = new SKBitmap(size, size);
        bitmap.Erase(color);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static void WriteClasses(string root, int perClass)
    {
        foreach (var (name, color) in new[] { ("cats", new SKColor(255, 0, 0)), ("dogs", new SKColor(0, 0, 255)) })
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
            for (var i = 0; i < perClass; i++)
            {
                WritePng(Path.Combine(dir, $"{i}.png"), color);
            }
        }
    }

    [Fact]
    public void ImageFolder_ClassSubfolders_DecodesAndResizesToRgb()
    {
        using var dir = new TempDir();
        WriteClasses(dir.Path, 3);

        var data = ImageFolder.Load(dir.Path, imageSize: 8);

        Assert.Equal(["cats", "dogs"], data.ClassNames);
        Assert.True(data.Augmentation.IsNone, $"a user's folder is not augmented unless asked (got {data.Augmentation})");
        Assert.Equal(6, data.Train.Count);
        Assert.Equal(0, data.Test.Count);
        Assert.Equal((3, 8, 8), (data.Train.Channels, data.Train.Height, data.Train.Width));
        Assert.Equal(0, data.Train.Labels[0]);
        Assert.Equal(1, data.Train.Labels[5]);
        Assert.Equal(255, data.Train.Pixels[0]);          // red plane of a red cat
        Assert.Equal(0, data.Train.Pixels[2 * 64]);       // blue plane of a red cat
        Assert.Equal(255, data.Train.Pixels[5 * 192 + 2 * 64 + 10]); // blue plane of a blue dog
    }

    [Fact]
    public void ImageFolder_UnreadableImage_IsSkippedAndReportedByPath()
    {
        using var dir = new TempDir();
        WriteClasses(dir.Path, 2);
        var bad = Path.Combine(dir.Path, "dogs", "broken.png");
        File.WriteAllBytes(bad, [1, 2, 3, 4, 5]);

        var data = ImageFolder.Load(dir.Path, imageSize: 8);

        Assert.Equal(4, data.Train.Count);
        Assert.Equal([bad], data.SkippedFiles);
    }

    [Fact]
    public void ImageFolder_UnreadableImageWhenRejecting_ThrowsNamingPath()
    {
        using var dir = new TempDir();
        WriteClasses(dir.Path, 2);
        var bad = Path.Combine(dir.Path, "cats", "broken.jpg");
        File.WriteAllBytes(bad, [0xff, 0xd8, 0xff, 0, 0]);

        var e = Assert.Throws<UserErrorException>(() => ImageFolder.Load(dir.Path, imageSize: 8, UnreadableImagePolicy.Reject));

        Assert.Contains(bad, e.Message);
    }

    [Fact]
    public void ImageFolder_TrainAndTestSubfolders_AreTheTwoSets()
    {
        using var dir = new TempDir();
        WriteClasses(Path.Combine(dir.Path, "train"), 3);
        WriteClasses(Path.Combine(dir.Path, "test"), 1);

        var data = DatasetCatalog.LoadUncached(new DatasetSpec("folder:" + dir.Path, ImageSize: 8));

        Assert.Equal(6, data.Train.Count);
        Assert.Equal(2, data.Test.Count);
    }

    [Fact]
    public void ImageFolder_MissingFolder_ThrowsUserError()
    {
        var e = Assert.Throws<UserErrorException>(() => DatasetCatalog.LoadUncached(new DatasetSpec("folder:/nonexistent/nasnet")));

        Assert.Contains("/nonexistent/nasnet", e.Message);
    }
}
