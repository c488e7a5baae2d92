using System.CommandLine;
using NasNet.Core;
using NasNet.Core.Networks;

namespace NasNet.Client.Commands;

/// <summary><c>nasnet arch draw</c>: writes an SVG diagram of the normal or reduction cell and prints its path.</summary>
public static class ArchDrawCommand
{
    public static Command Create()
    {
        var preset = new Option<string?>("--preset") { Description = "Published genotype: nasnet-a (default when --genotype is absent)" };
        var genotype = new Option<string?>("--genotype") { Description = "Genotype JSON file" };
        var cell = new Option<string>("--cell") { Description = "normal or reduction", DefaultValueFactory = _ => "normal" };
        var output = new Option<string>("--out") { Description = "SVG file to write", DefaultValueFactory = _ => "cell.svg" };
        var command = new Command("draw", "Draw a cell of an architecture as an SVG diagram");
        foreach (var o in new Option[] { preset, genotype, cell, output })
        {
            command.Options.Add(o);
        }

        command.SetAction(parse =>
        {
            var (g, source) = ArchSource.Resolve(parse.GetValue(preset), parse.GetValue(genotype));
            var which = (parse.GetValue(cell) ?? "normal").ToLowerInvariant();
            var c = which switch
            {
                "normal" => g.Normal,
                "reduction" => g.Reduction,
                _ => throw new UserErrorException($"--cell '{which}' is not a cell: use normal or reduction"),
            };
            var path = Path.GetFullPath(parse.GetValue(output) ?? "cell.svg");
            var dir = Path.GetDirectoryName(path);
            if (dir is not null && !Directory.Exists(dir))
            {
                throw new UserErrorException($"cannot write '{path}': directory '{dir}' does not exist; create it or choose another --out");
            }

            File.WriteAllText(path, CellDiagram.ToSvg(c, $"{source}: {which} cell"));
            Console.Out.WriteLine(path);
            return 0;
        });
        return command;
    }
}
