using System.Globalization;
using System.Security;
using System.Text;
using NasNet.Core.SearchSpace;

namespace NasNet.Core.Networks;

/// <summary>
/// Renders a cell as a plain SVG diagram in the spirit of the paper's Fig. 4: the two inputs at the bottom, each
/// block as two op boxes (yellow) feeding a combine node (green, "add" or "concat"), and the concat of the output
/// states at the top. Blocks are placed in layers by depth; blocks that cannot reach the output are drawn faded.
/// </summary>
public static class CellDiagram
{
    private const double OpW = 118;
    private const double OpH = 30;
    private const double Gap = 26;
    private const double LayerH = 150;
    private const double Margin = 30;

    /// <summary>An SVG document (UTF-8 text) of <paramref name="cell"/> with <paramref name="title"/> on top.</summary>
    public static string ToSvg(CellGenotype cell, string title)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var n = cell.StateCount;
        var depth = new int[n];
        for (var s = 2; s < n; s++)
        {
            var b = cell.Blocks[s - 2];
            depth[s] = 1 + Math.Max(depth[b.InputA], depth[b.InputB]);
        }

        var live = Live(cell);
        var layers = depth.Max();
        var perLayer = Enumerable.Range(0, layers + 1).Select(d => Enumerable.Range(2, n - 2).Where(s => depth[s] == d).ToList()).ToList();
        var blockW = 2 * OpW + Gap;
        var maxInLayer = Math.Max(2, perLayer.Skip(1).Select(l => l.Count).DefaultIfEmpty(0).Max());
        var width = Math.Max(2 * Margin + maxInLayer * blockW + (maxInLayer - 1) * Gap, 2 * Margin + 2 * OpW + Gap);
        var titleH = 40.0;
        var concatY = Margin + titleH;
        var height = concatY + OpH + 40 + layers * LayerH + OpH + Margin;

        // Centre points of each state's node (bottom and top edges are derived from them).
        var nodeX = new double[n];
        var nodeY = new double[n];
        var inputY = height - Margin - OpH / 2;
        nodeX[0] = width / 2 - OpW / 2 - Gap / 2;
        nodeX[1] = width / 2 + OpW / 2 + Gap / 2;
        nodeY[0] = nodeY[1] = inputY;
        var opY = new Dictionary<(int Block, int Side), (double X, double Y)>();
        for (var d = 1; d <= layers; d++)
        {
            var row = perLayer[d];
            var rowW = row.Count * blockW + (row.Count - 1) * Gap;
            var x0 = (width - rowW) / 2;
            var opsY = inputY - d * LayerH + 40;
            for (var i = 0; i < row.Count; i++)
            {
                var s = row[i];
                var left = x0 + i * (blockW + Gap);
                opY[(s, 0)] = (left + OpW / 2, opsY);
                opY[(s, 1)] = (left + OpW + Gap + OpW / 2, opsY);
                nodeX[s] = left + blockW / 2;
                nodeY[s] = opsY - 62;
            }
        }

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(width)}\" height=\"{F(height)}\" viewBox=\"0 0 {F(width)} {F(height)}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">\n");
        svg.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"0\" y=\"0\" width=\"{F(width)}\" height=\"{F(height)}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(width / 2)}\" y=\"{F(Margin + 14)}\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\">{Escape(title)}</text>\n");

        // Edges first, so nodes are drawn over them.
        for (var s = 2; s < n; s++)
        {
            var b = cell.Blocks[s - 2];
            var faded = !live[s];
            foreach (var (side, input) in new[] { (0, b.InputA), (1, b.InputB) })
            {
                var (ox, oy) = opY[(s, side)];
                Edge(svg, nodeX[input], nodeY[input] - Half(input), ox, oy + OpH / 2, faded);
                Edge(svg, ox, oy - OpH / 2, nodeX[s], nodeY[s] + 15, faded);
            }
        }

        var concatX = width / 2;
        var concatLabel = $"concat [{string.Join(", ", cell.Concat.Select(StateName))}]";
        var concatW = Math.Min(width - 2 * Margin, Math.Max(200, concatLabel.Length * 7.6 + 24));
        foreach (var s in cell.Concat)
        {
            if (s < 2)
            {
                // Route a cell input around the blocks, along the left (h[i-1]) or right (h[i]) margin.
                var side = s == 0 ? Margin / 2 : width - Margin / 2;
                var x1 = s == 0 ? nodeX[s] - OpW / 2 : nodeX[s] + OpW / 2;
                var x2 = s == 0 ? concatX - concatW / 2 : concatX + concatW / 2;
                svg.Append(CultureInfo.InvariantCulture,
                    $"<path d=\"M {F(x1)} {F(nodeY[s])} L {F(side)} {F(nodeY[s])} L {F(side)} {F(concatY + OpH / 2)} L {F(x2)} {F(concatY + OpH / 2)}\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.3\" marker-end=\"url(#arrow)\"/>\n");
            }
            else
            {
                Edge(svg, nodeX[s], nodeY[s] - Half(s), concatX, concatY + OpH, false);
            }
        }

        // Nodes.
        Box(svg, nodeX[0], nodeY[0], OpW, OpH, "#cfe2f3", "h[i-1]", false);
        Box(svg, nodeX[1], nodeY[1], OpW, OpH, "#cfe2f3", "h[i]", false);
        for (var s = 2; s < n; s++)
        {
            var b = cell.Blocks[s - 2];
            var faded = !live[s];
            Box(svg, opY[(s, 0)].X, opY[(s, 0)].Y, OpW, OpH, "#fff2cc", b.OpA, faded);
            Box(svg, opY[(s, 1)].X, opY[(s, 1)].Y, OpW, OpH, "#fff2cc", b.OpB, faded);
            var label = b.Combine == Combine.Add ? "add" : "concat";
            svg.Append(CultureInfo.InvariantCulture, $"<g opacity=\"{(faded ? "0.35" : "1")}\"><ellipse cx=\"{F(nodeX[s])}\" cy=\"{F(nodeY[s])}\" rx=\"34\" ry=\"15\" fill=\"#d9ead3\" stroke=\"#333\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(nodeX[s])}\" y=\"{F(nodeY[s] + 4)}\" text-anchor=\"middle\">{label}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(nodeX[s] + 38)}\" y=\"{F(nodeY[s] - 8)}\" font-size=\"10\" fill=\"#666\">block {s - 2} (state {s})</text></g>\n");
        }

        Box(svg, concatX, concatY + OpH / 2, concatW, OpH, "#f4cccc", concatLabel, false);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static double Half(int state) => state < 2 ? OpH / 2 : 15;

    private static string StateName(int s) => s switch
    {
        0 => "h[i-1]",
        1 => "h[i]",
        _ => $"block {s - 2}",
    };

    private static bool[] Live(CellGenotype cell)
    {
        var live = new bool[cell.StateCount];
        var stack = new Stack<int>(cell.Concat);
        while (stack.Count > 0)
        {
            var s = stack.Pop();
            if (live[s])
            {
                continue;
            }

            live[s] = true;
            if (s >= 2)
            {
                stack.Push(cell.Blocks[s - 2].InputA);
                stack.Push(cell.Blocks[s - 2].InputB);
            }
        }

        return live;
    }

    private static void Box(StringBuilder svg, double cx, double cy, double w, double h, string fill, string text, bool faded)
    {
        svg.Append(CultureInfo.InvariantCulture,
            $"<g opacity=\"{(faded ? "0.35" : "1")}\"><rect x=\"{F(cx - w / 2)}\" y=\"{F(cy - h / 2)}\" width=\"{F(w)}\" height=\"{F(h)}\" rx=\"5\" fill=\"{fill}\" stroke=\"#333\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(cx)}\" y=\"{F(cy + 4.5)}\" text-anchor=\"middle\">{Escape(text)}</text></g>\n");
    }

    private static void Edge(StringBuilder svg, double x1, double y1, double x2, double y2, bool faded)
    {
        var my = (y1 + y2) / 2;
        svg.Append(CultureInfo.InvariantCulture,
            $"<path d=\"M {F(x1)} {F(y1)} C {F(x1)} {F(my)}, {F(x2)} {F(my)}, {F(x2)} {F(y2)}\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.3\"{(faded ? " stroke-dasharray=\"4 3\" opacity=\"0.35\"" : string.Empty)} marker-end=\"url(#arrow)\"/>\n");
    }

    private static string Escape(string s) => SecurityElement.Escape(s) ?? string.Empty;

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
