namespace NasNet.Core.Campaigns;

/// <summary>
/// The accuracy-vs-cost Pareto front of trained candidates: a point is on it when it is more accurate than every
/// cheaper one (among equal costs, only the most accurate, the first of equals); points without a cost (≤ 0) are left
/// out. Used by the console's `best`/`export` and the campaign page.
/// </summary>
public static class ParetoFront
{
    /// <summary>Indices into the parallel arrays of the front, cheapest first.</summary>
    public static IReadOnlyList<int> Of(IReadOnlyList<double> costs, IReadOnlyList<double> accuracies)
    {
        // Array.Sort of primitive keys with their items, no comparison delegate: at 20,000 candidates a sort with a
        // tuple comparer took 40-90 ms of the controller's thread on the loaded 2-core dev VM (bench/RESULTS.md § Web).
        var keys = new double[costs.Count];
        var order = new int[costs.Count];
        var count = 0;
        for (var i = 0; i < costs.Count; i++)
        {
            if (costs[i] > 0)
            {
                keys[count] = costs[i];
                order[count++] = i;
            }
        }

        Array.Sort(keys, order, 0, count);
        var front = new List<int>();
        var best = double.NegativeInfinity;
        for (var i = 0; i < count;)
        {
            var top = -1;
            var j = i;
            for (; j < count && keys[j] == keys[i]; j++)
            {
                if (top < 0 || accuracies[order[j]] > accuracies[top] || (accuracies[order[j]] == accuracies[top] && order[j] < top))
                {
                    top = order[j];
                }
            }

            if (accuracies[top] > best)
            {
                best = accuracies[top];
                front.Add(top);
            }

            i = j;
        }

        return front;
    }
}
