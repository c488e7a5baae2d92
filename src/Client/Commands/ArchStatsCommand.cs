using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using NasNet.Core;
using NasNet.Core.Networks;
using NasNet.Core.SearchSpace;

namespace NasNet.Client.Commands;

/// <summary>
/// <c>nasnet arch stats</c>: trainable parameters and multiply-adds of a genotype in a TF configuration
/// (cifar | mobile | large), with optional overrides; a table, or exactly one JSON object with <c>--json</c>.
/// </summary>
public static class ArchStatsCommand
{
    public static Command Create()
    {
        var preset = new Option<string?>("--preset") { Description = "Published genotype: nasnet-a (default when --genotype is absent)" };
        var genotype = new Option<string?>("--genotype") { Description = "Genotype JSON file" };
        var config = new Option<string>("--config") { Description = "TF configuration: cifar, mobile or large", DefaultValueFactory = _ => "cifar" };
        var cells = new Option<int?>("--cells") { Description = "N, normal cells per stage (overrides the config)" };
        var filters = new Option<int?>("--filters") { Description = "F of \"N @ F\": filters of the penultimate layer (overrides the config)" };
        var image = new Option<int?>("--image") { Description = "Input size in pixels (overrides the config)" };
        var classes = new Option<int?>("--classes") { Description = "Number of classes (overrides the config)" };
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON object" };
        var command = new Command("stats", "Count trainable parameters and multiply-adds of an architecture (aux head excluded)");
        foreach (var o in new Option[] { preset, genotype, config, cells, filters, image, classes, json })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse =>
        {
            var (g, source) = ArchSource.Resolve(parse.GetValue(preset), parse.GetValue(genotype));
            var configName = parse.GetValue(config) ?? "cifar";
            var c = NetworkConfig.Named(configName);
            if (parse.GetValue(cells) is { } n)
            {
                c = c with { Cells = n };
            }

            if (parse.GetValue(image) is { } size)
            {
                c = c with { ImageSize = size };
            }

            if (parse.GetValue(classes) is { } k)
            {
                c = c with { Classes = k };
            }

            if (parse.GetValue(filters) is { } f)
            {
                c = c.WithPenultimateFilters(f, g);
            }

            c.Validate();
            var counts = ArchitectureStats.Count(g, c);
            if (parse.GetValue(json))
            {
                var o = new JsonObject
                {
                    ["params"] = counts.Params,
                    ["multAdds"] = counts.MultAdds,
                    ["batchNormBuffers"] = counts.BatchNormBuffers,
                    ["architecture"] = source,
                    ["hash"] = g.Hash,
                    ["config"] = configName.ToLowerInvariant(),
                    ["stem"] = c.Stem == StemKind.Cifar ? "cifar" : "imagenet",
                    ["cells"] = c.Cells,
                    ["filters"] = counts.FeatureChannels,
                    ["numConvFilters"] = c.NumConvFilters,
                    ["image"] = c.ImageSize,
                    ["inChannels"] = c.InChannels,
                    ["classes"] = c.Classes,
                    ["totalCells"] = counts.Cells,
                };
                Console.Out.WriteLine(o.ToJsonString());
                return 0;
            }

            var rows = new (string Key, string Value)[]
            {
                ("architecture", $"{source} (hash {g.Hash})"),
                ("config", $"{configName.ToLowerInvariant()}: {(c.Stem == StemKind.Cifar ? "CIFAR" : "ImageNet")} stem, {c.Cells} @ {counts.FeatureChannels} (num_conv_filters {c.NumConvFilters}), {counts.Cells} cells"),
                ("input", $"{c.InChannels}x{c.ImageSize}x{c.ImageSize}, {c.Classes} classes"),
                ("trainable params", $"{counts.Params.ToString("N0", CultureInfo.InvariantCulture)} ({Human(counts.Params)})"),
                ("mult-adds", $"{counts.MultAdds.ToString("N0", CultureInfo.InvariantCulture)} ({Human(counts.MultAdds)})"),
                ("BN running stats", $"{counts.BatchNormBuffers.ToString("N0", CultureInfo.InvariantCulture)} (not parameters)"),
            };
            var width = rows.Max(r => r.Key.Length);
            foreach (var (key, value) in rows)
            {
                Console.Out.WriteLine($"{key.PadRight(width)}  {value}");
            }

            return 0;
        });
        return command;
    }

    private static string Human(long v) => v switch
    {
        >= 1_000_000_000 => (v / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " B",
        >= 1_000_000 => (v / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1_000 => (v / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " K",
        _ => v.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>The architecture a command works on: <c>--preset NAME</c> or <c>--genotype FILE</c> (not both).</summary>
internal static class ArchSource
{
    public static (Genotype Genotype, string Source) Resolve(string? preset, string? genotypeFile)
    {
        if (preset is not null && genotypeFile is not null)
        {
            throw new UserErrorException("give either --preset or --genotype, not both");
        }

        if (genotypeFile is not null)
        {
            return (GenotypeJson.Load(genotypeFile), genotypeFile);
        }

        var name = preset ?? "nasnet-a";
        return (Genotypes.Preset(name), name);
    }
}
