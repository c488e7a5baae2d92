using NasNet.Core.Campaigns;
using Orleans.Storage;

namespace NasNet.Grains.Campaigns;

/// <summary>A fixed-size slice of a campaign's candidate table, stored as one record (the entries as JSON).</summary>
[GenerateSerializer, Alias("NasNet.CampaignPage")]
public sealed class CampaignPage
{
    [Id(0)] public byte[]? Entries { get; set; }
}

/// <summary>
/// Stores a campaign controller's candidate table in pages of <see cref="PageSize"/> entries, so that a completion
/// writes the page it changed instead of the whole table (bench/RESULTS.md, Cluster: whole-table writes were 10 of
/// the 11 ms overhead per candidate at 3,000 candidates, and grow with the campaign).
/// </summary>
/// <remarks>
/// Each write of a page goes to a new record, never over one in use. The controller's state, written afterwards, names
/// the record of every page (<see cref="ControllerState.Pages"/>) and is the commit point: a controller lost between the
/// two writes reloads the previous pages with the previous strategy state, and a stale activation still writing
/// (a silo being killed) cannot overwrite pages the current state names. Superseded records are deleted after the
/// commit; records of commits that failed are left behind unnamed.
/// </remarks>
internal sealed class CampaignPages(IGrainStorage storage, GrainId grain)
{
    /// <summary>Entries per page.</summary>
    public const int PageSize = 64;

    private readonly Dictionary<int, (string Id, GrainState<CampaignPage> Record)> _committed = [];
    private readonly Dictionary<int, (string Id, GrainState<CampaignPage> Record)> _written = [];
    private readonly HashSet<int> _dirty = [];

    /// <summary>Marks entry <paramref name="n"/> as changed (call synchronously, with the change).</summary>
    public void Touch(int n) => _dirty.Add(n / PageSize);

    /// <summary>Marks every page as changed (after a commit that failed: the next write stores them all again).</summary>
    public void TouchAll(int entries)
    {
        for (var n = 0; n < entries; n += PageSize)
        {
            Touch(n);
        }
    }

    /// <summary>Reads the pages named by the controller's state.</summary>
    public async Task<List<CandidateEntry>> LoadAsync(IReadOnlyList<string> pages)
    {
        var records = await Task.WhenAll(pages.Select(async (id, k) =>
        {
            var record = new GrainState<CampaignPage>(new CampaignPage());
            await storage.ReadStateAsync(Name(k, id), grain, record);
            _committed[k] = (id, record);
            return record;
        }));
        return records.SelectMany(r => r.State?.Entries is { } bytes ? LedgerJson.Read<List<CandidateEntry>>(bytes) : []).ToList();
    }

    /// <summary>
    /// Writes every changed page of <paramref name="entries"/> (copied now) to a new record and returns the page names
    /// to commit in the controller's state. On failure the pages stay marked as changed.
    /// </summary>
    public async Task<List<string>> WriteChangedAsync(IReadOnlyList<CandidateEntry> entries, IReadOnlyList<string> pages)
    {
        var changed = _dirty.ToArray();
        _dirty.Clear();
        _written.Clear();
        var next = pages.ToList();
        var writes = new List<Task>();
        foreach (var k in changed)
        {
            var start = k * PageSize;
            var id = Guid.NewGuid().ToString("N");
            while (next.Count <= k)
            {
                next.Add("");
            }

            next[k] = id;
            var record = new GrainState<CampaignPage>(new CampaignPage { Entries = LedgerJson.Write(entries.Skip(start).Take(Math.Min(PageSize, entries.Count - start)).ToList()) });
            _written[k] = (id, record);
            writes.Add(storage.WriteStateAsync(Name(k, id), grain, record));
        }

        try
        {
            await Task.WhenAll(writes);
        }
        catch
        {
            _dirty.UnionWith(changed);
            throw;
        }

        return next;
    }

    /// <summary>After the controller's state naming the new pages is stored: deletes the records they replace (best effort).</summary>
    public void Committed()
    {
        foreach (var (k, page) in _written)
        {
            if (_committed.TryGetValue(k, out var old))
            {
                _ = DeleteAsync(k, old.Id, old.Record);
            }

            _committed[k] = page;
        }

        _written.Clear();
    }

    private async Task DeleteAsync(int page, string id, GrainState<CampaignPage> record)
    {
        try
        {
            await storage.ClearStateAsync(Name(page, id), grain, record);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Left behind: a record no state names is never read.
        }
    }

    private static string Name(int page, string id) => $"campaign-page-{page}-{id}";
}
