using Orleans.Runtime;
using Orleans.Storage;

namespace NasNet.Grains.Campaigns;

/// <summary>A fixed-size slice of a campaign's candidate table, stored as one record.</summary>
[GenerateSerializer, Alias("NasNet.CampaignPage")]
public sealed class CampaignPage
{
    [Id(0)] public List<CandidateEntry> Entries { get; set; } = [];
}

/// <summary>
/// Stores a campaign controller's candidate table in pages of <see cref="PageSize"/> entries, so that a completion
/// writes the page it changed instead of the whole table (bench/RESULTS.md, Cluster: whole-table writes were 10 of
/// the 11 ms overhead per candidate at 3,000 candidates, and grow with the campaign).
/// </summary>
/// <remarks>
/// Each page has two records (slots). A write puts changed pages in their spare slots; the controller's state, written
/// afterwards, names the current slot of every page (<see cref="CampaignState.PageSlots"/>) and is the commit point:
/// a controller lost between the two writes reloads the previous pages with the previous strategy state, never a
/// table that disagrees with its strategy.
/// </remarks>
internal sealed class CampaignPages(IGrainStorage storage, GrainId grain)
{
    /// <summary>Entries per page.</summary>
    public const int PageSize = 64;

    private readonly Dictionary<(int Page, int Slot), GrainState<CampaignPage>> _records = [];
    private readonly HashSet<int> _dirty = [];

    /// <summary>Marks entry <paramref name="n"/> as changed (call synchronously, with the change).</summary>
    public void Touch(int n) => _dirty.Add(n / PageSize);

    /// <summary>Reads the current slot of every page (and the other slot's version, to write it later).</summary>
    public async Task<List<CandidateEntry>> LoadAsync(IReadOnlyList<int> slots)
    {
        await Task.WhenAll(Enumerable.Range(0, slots.Count).SelectMany(k => new[] { ReadAsync(k, 0), ReadAsync(k, 1) }));
        return Enumerable.Range(0, slots.Count).SelectMany(k => (_records[(k, slots[k])].State?.Entries ?? []).Select(e => e.Copy())).ToList();
    }

    /// <summary>
    /// Writes every changed page of <paramref name="entries"/> (copied now) to its spare slot and returns the slots to
    /// commit in the controller's state. On failure the pages stay marked as changed.
    /// </summary>
    public async Task<List<int>> WriteChangedAsync(IReadOnlyList<CandidateEntry> entries, IReadOnlyList<int> slots)
    {
        var pages = _dirty.ToArray();
        _dirty.Clear();
        var next = slots.ToList();
        var writes = new List<Task>();
        foreach (var k in pages)
        {
            var start = k * PageSize;
            var slot = k < slots.Count ? 1 - slots[k] : 0;
            while (next.Count <= k)
            {
                next.Add(0);
            }

            next[k] = slot;
            var page = new CampaignPage { Entries = entries.Skip(start).Take(Math.Min(PageSize, entries.Count - start)).Select(e => e.Copy()).ToList() };
            writes.Add(WriteAsync(k, slot, page));
        }

        try
        {
            await Task.WhenAll(writes);
        }
        catch
        {
            _dirty.UnionWith(pages);
            throw;
        }

        return next;
    }

    /// <summary>Marks every page as changed (after a commit that failed: the next write stores them all again).</summary>
    public void TouchAll(int entries)
    {
        for (var n = 0; n < entries; n += PageSize)
        {
            Touch(n);
        }
    }

    private async Task ReadAsync(int page, int slot) => await storage.ReadStateAsync(Name(page, slot), grain, Record(page, slot));

    private async Task WriteAsync(int page, int slot, CampaignPage state)
    {
        if (!_records.TryGetValue((page, slot), out var record))
        {
            // Not read at activation: a page past the committed table, possibly left by a write that was never
            // committed (the controller was lost in between). Learn its version before overwriting it.
            record = new GrainState<CampaignPage>(new CampaignPage());
            await storage.ReadStateAsync(Name(page, slot), grain, record);
            _records[(page, slot)] = record;
        }

        record.State = state;
        await storage.WriteStateAsync(Name(page, slot), grain, record);
    }

    private GrainState<CampaignPage> Record(int page, int slot)
    {
        if (!_records.TryGetValue((page, slot), out var record))
        {
            _records[(page, slot)] = record = new GrainState<CampaignPage>(new CampaignPage());
        }

        return record;
    }

    private static string Name(int page, int slot) => $"campaign-page-{page}-{slot}";
}
