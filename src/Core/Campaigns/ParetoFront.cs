namespace NasNet.Core.Campaigns;

/// <summary>
/// The accuracy-vs-cost Pareto front of trained candidates: a point is on it when no other point is at least as cheap
/// and more accurate (among equal costs, only the most accurate; points without a cost are left out).
/// </summary>
public static class ParetoFront
{
    /// <summary>Indices into <paramref name="points"/> of the front, cheapest first.</summary>
    public static IReadOnlyList<int> Of(IReadOnlyList<(double Cost, double Accuracy)> points)
    {
        var order = Enumerable.Range(0, points.Count).Where(i => points[i].Cost > 0)
            .OrderBy(i => points[i].Cost).ThenByDescending(i => points[i].Accuracy).ToList();
        var front = new List<int>();
        var best = double.NegativeInfinity;
        foreach (var i in order)
        {
            if (points[i].Accuracy > best)
            {
                best = points[i].Accuracy;
                front.Add(i);
            }
        }

        return front;
    }
}
