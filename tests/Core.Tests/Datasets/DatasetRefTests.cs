using System.Text.Json;
using NasNet.Core.Datasets;
using NasNet.Core.Training;

namespace NasNet.Core.Tests.Datasets;

public class DatasetRefTests
{
    [Theory]
    [InlineData("fashion-mnist", DatasetKind.FashionMnist, "fashion-mnist")]
    [InlineData(" Fashion_MNIST ", DatasetKind.FashionMnist, "fashion-mnist")]
    [InlineData("CIFAR-10", DatasetKind.Cifar10, "cifar10")]
    [InlineData("synthetic", DatasetKind.Synthetic, "synthetic")]
    [InlineData("folder:/data/my images", DatasetKind.Folder, "folder:/data/my images")]
    [InlineData("FOLDER:rel/dir", DatasetKind.Folder, "folder:rel/dir")]
    public void Parse_EachForm_KindAndCanonicalText(string text, DatasetKind kind, string canonical)
    {
        var d = DatasetRef.Parse(text);
        Assert.Equal(kind, d.Kind);
        Assert.Equal(canonical, d.ToString());
        Assert.Equal(d, DatasetRef.Parse(d.ToString()));
        Assert.Equal(kind == DatasetKind.Folder ? canonical["folder:".Length..] : null, d.Path);
    }

    [Theory]
    [InlineData("imagenet", "--dataset: 'imagenet' is not one of fashion-mnist, cifar10, synthetic or folder:PATH")]
    [InlineData("folder:", "--dataset: 'folder:' has no path")]
    [InlineData("", "--dataset: '' is not one of")]
    public void Parse_Unknown_OneLineNamingTheField(string text, string expected)
    {
        var e = Assert.Throws<UserErrorException>(() => DatasetRef.Parse(text, "--dataset"));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void Json_IsTheStringForm()
    {
        Assert.Equal("\"folder:/x\"", JsonSerializer.Serialize(DatasetRef.Folder("/x")));
        Assert.Equal(DatasetRef.Cifar10, JsonSerializer.Deserialize<DatasetRef>("\"cifar-10\""));
        Assert.Throws<WireValueException>(() => JsonSerializer.Deserialize<DatasetRef>("3"));
    }

    [Fact]
    public void Catalog_LoadsByRef_CaseAndAliasesShareOneCacheEntry()
    {
        var a = DatasetCatalog.Load(new DatasetSpec(DatasetRef.Synthetic, ImageSize: 5));
        var b = DatasetCatalog.Load(new DatasetSpec("SYNTHETIC", ImageSize: 5));
        Assert.Same(a, b);
    }

    [Fact]
    public void AugmentationDefaults_OnlyCifarIsCroppedAndFlipped()
    {
        Assert.Equal(new Augmentation(4, true, 0), Augmentation.DefaultFor(DatasetKind.Cifar10));
        Assert.True(Augmentation.DefaultFor(DatasetKind.FashionMnist).IsNone);
        Assert.True(Augmentation.DefaultFor(DatasetKind.Folder).IsNone);
        Assert.True(Augmentation.DefaultFor(DatasetKind.Synthetic).IsNone);
        Assert.Equal(Augmentation.CifarStandard, new ChildTrainingSpec { Dataset = DatasetRef.Cifar10 }.EffectiveAugmentation);
        Assert.Equal(new Augmentation(0, true), new ChildTrainingSpec { Dataset = DatasetRef.Cifar10, Augment = new Augmentation(Flip: true) }.EffectiveAugmentation);
        Assert.Equal("crop 4, flip", Augmentation.CifarStandard.ToString());
        Assert.Equal("none", Augmentation.None.ToString());
    }
}
