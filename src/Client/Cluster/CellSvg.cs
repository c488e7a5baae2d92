using System.Globalization;
using System.Security;
using System.Text;
using NasNet.Core.SearchSpace;

namespace NasNet.Client.Cluster;

/// <summary>A plain SVG diagram of one cell: inputs h[i-1], h[i], each block's two ops and combiner, and the output concat.</summary>
public static class CellSvg
{
    private const int ColumnWidth = 170;
    private const int RowHeight = 60;

    public static string Draw(CellGenotype cell, string title)
    {
        var blocks = cell.Blocks.Count;
        var width = (blocks + 2) * ColumnWidth + 40;
        var height = 5 * RowHeight + 40;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{Esc(title)}</text>\n");
        var states = new List<(double X, double Y)> { (60, 80), (60, 80 + (2 * RowHeight)) };
        Node(svg, states[0], "h[i-1]", "#ddeeff");
        Node(svg, states[1], "h[i]", "#ddeeff");
        for (var b = 0; b < blocks; b++)
        {
            var block = cell.Blocks[b];
            var x = 60 + ((b + 1) * ColumnWidth);
            var opA = (x - 40.0, 60.0 + (b % 2 * 20));
            var opB = (x - 40.0, 60.0 + (2 * RowHeight) + (b % 2 * 20));
            var combine = (x + 40.0, 60.0 + RowHeight + (b % 2 * 20));
            Edge(svg, states[block.InputA], opA);
            Edge(svg, states[block.InputB], opB);
            Node(svg, opA, block.OpA, "#fff3cd");
            Node(svg, opB, block.OpB, "#fff3cd");
            Edge(svg, opA, combine);
            Edge(svg, opB, combine);
            Node(svg, combine, $"{(block.Combine == Combine.Add ? "add" : "concat")} {b}", "#d4edda");
            states.Add(combine);
        }

        var output = (60.0 + ((blocks + 1) * ColumnWidth), 80.0 + RowHeight);
        foreach (var s in cell.Concat)
        {
            Edge(svg, states[s], output);
        }

        Node(svg, output, "concat", "#f8d7da");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Node(StringBuilder svg, (double X, double Y) p, string label, string fill)
    {
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{p.X - 55}\" y=\"{p.Y - 14}\" width=\"110\" height=\"28\" rx=\"6\" fill=\"{fill}\" stroke=\"#333\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{p.X}\" y=\"{p.Y + 4}\" text-anchor=\"middle\">{Esc(label)}</text>\n");
    }

    private static void Edge(StringBuilder svg, (double X, double Y) a, (double X, double Y) b) =>
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{a.X + 55}\" y1=\"{a.Y}\" x2=\"{b.X - 55}\" y2=\"{b.Y}\" stroke=\"#555\"/>\n");

    private static string Esc(string s) => SecurityElement.Escape(s) ?? "";
}
