using System.Net;
using NasNet.Grains.Interfaces;

namespace NasNet.Silo.Web;

/// <summary>
/// The HTML of the three pages: a skeleton of named regions that the page's script (nasnet.js) fills from the JSON
/// documents and keeps up to date by polling (every 2 s while the campaign runs), without reloading.
/// </summary>
public static class WebPages
{
    /// <summary>/campaigns: every campaign of the cluster.</summary>
    public static string List() => Page("Campaigns", "list", "", "", """
        <section class="hero"><div><h1>Campaigns</h1><p class="meta">every search campaign of this cluster, newest first</p></div></section>
        <section class="card"><div class="table-wrap"><table id="campaigns" class="data">
          <thead><tr><th>campaign</th><th>state</th><th>strategy</th><th>progress</th><th class="num">best accuracy</th><th>started</th><th>ended</th></tr></thead>
          <tbody><tr><td colspan="7" class="muted">loading…</td></tr></tbody></table></div></section>
        """);

    /// <summary>/campaigns/{id}: one campaign, live.</summary>
    public static string Campaign(CampaignStatus s)
    {
        var id = Enc(s.Id);
        return Page($"{s.Name} · {s.Id}", "campaign", $" data-campaign=\"{id}\"", $"<a href=\"/campaigns\">campaigns</a><span>/</span><b>{id}</b>", $$"""
            <section class="hero">
              <div>
                <h1><span id="c-name">{{Enc(s.Name)}}</span> <code>{{id}}</code></h1>
                <p class="meta"><span id="c-state" class="badge">{{s.State.Name()}}</span> <span id="c-strategy">{{Enc(s.Strategy)}}</span> · started <span id="c-started"></span><span id="c-ended"></span> · controller on <code id="c-host"></code></p>
              </div>
              <div class="progress">
                <div class="bar"><div id="c-bar"></div></div>
                <p><b id="done">{{s.Completed}}</b> of <span id="budget">{{s.Budget}}</span> candidates trained · ETA <b id="eta">–</b></p>
              </div>
            </section>
            <p id="error" class="error" hidden></p>
            <section class="tiles" id="tiles"></section>
            <section class="card anchor">
              <h2>Best cell so far <span id="best-caption" class="muted"></span></h2>
              <div class="cells" id="best-cells"><figure id="best-normal" class="cell-fig"><p class="muted">no trained candidate yet</p></figure><figure id="best-reduction" class="cell-fig"></figure></div>
            </section>
            <section class="grid">
              <article class="card"><h2>Reward per candidate</h2><div class="chart" id="reward-chart"></div>
                <p class="legend"><i class="k pt"></i>reward <i class="k avg"></i>moving average (20) <i class="k base"></i>PPO baseline <i class="k best"></i>best so far <span id="reward-note" class="muted"></span></p></article>
              <article class="card"><h2>Policy entropy</h2><div class="chart" id="entropy-chart"></div>
                <p class="legend muted">mean entropy of the controller's policy over each PPO update's batch (nats per architecture)</p></article>
            </section>
            <section class="grid">
              <article class="card"><h2>Accuracy vs mult-adds</h2><div class="chart" id="cost-multadds"></div><p class="legend"><i class="k pt"></i>trained candidate <i class="k front"></i>Pareto front <span id="cost-note" class="muted"></span></p></article>
              <article class="card"><h2>Accuracy vs measured latency</h2><div class="chart" id="cost-latency"></div><p class="legend muted">latency: batch 1 on the trainer's device</p></article>
            </section>
            <section class="grid">
              <article class="card"><h2>Trainers</h2><div id="trainers" class="table-wrap"></div><h3>Busy share of the cluster's slots</h3><div class="chart small" id="busy-chart"></div></article>
              <article class="card"><h2>Failures</h2><div id="failures"></div></article>
            </section>
            <section class="card" id="rungs-card" hidden><h2>ASHA rungs</h2><div id="rungs"></div></section>
            <section class="card" id="final-card" hidden><h2>Final evaluation</h2><div id="final"></div></section>
            <section class="card">
              <div class="card-head"><h2>Leaderboard</h2>
                <div class="toolbar"><label>show <select id="lb-filter"><option value="trained">trained</option><option value="all">all candidates</option><option value="failed">failed and rejected</option></select></label>
                  <span id="lb-pager" class="pager"></span></div></div>
              <div class="table-wrap"><table id="leaderboard" class="data">
                <thead><tr>
                  <th data-sort="rank">rank</th><th data-sort="number">candidate</th><th>normal cell</th><th>reduction cell</th>
                  <th data-sort="accuracy" class="num">accuracy</th><th data-sort="reward" class="num">reward</th><th data-sort="params" class="num">params</th>
                  <th data-sort="multAdds" class="num">mult-adds</th><th data-sort="latency" class="num">latency</th><th data-sort="epochs" class="num">epochs</th><th>status</th>
                </tr></thead>
                <tbody></tbody>
              </table></div>
            </section>
            """);
    }

    /// <summary>/campaigns/{id}/candidates/{n}: one candidate.</summary>
    public static string Candidate(CampaignStatus s, CandidateSummary c)
    {
        var id = Enc(s.Id);
        var n = c.Number.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
        var link = $"/campaigns/{Uri.EscapeDataString(s.Id)}/candidates/{c.Number}";
        return Page($"#{n} · {s.Id}", "candidate", $" data-campaign=\"{id}\" data-number=\"{c.Number}\"",
            $"<a href=\"/campaigns\">campaigns</a><span>/</span><a href=\"/campaigns/{Uri.EscapeDataString(s.Id)}\">{id}</a><span>/</span><b>#{n}</b>", $$"""
            <section class="hero">
              <div>
                <h1>Candidate <code>#{{n}}</code></h1>
                <p class="meta"><span id="k-status" class="badge">{{c.Status.Name()}}</span> of campaign <a href="/campaigns/{{Uri.EscapeDataString(s.Id)}}">{{Enc(s.Name)}}</a> · hash <code id="k-hash">{{Enc(c.Hash)}}</code> <span id="k-cache"></span></p>
              </div>
              <div class="downloads">
                <a class="button" href="{{link}}/genotype.json" download>genotype.json</a>
                <a class="button" href="{{link}}/normal.svg" download>normal.svg</a>
                <a class="button" href="{{link}}/reduction.svg" download>reduction.svg</a>
                <a class="button" id="k-weights" href="{{link}}/weights" hidden>weights</a>
              </div>
            </section>
            <p id="error" class="error" hidden></p>
            <section class="tiles" id="tiles"></section>
            <section class="card anchor">
              <h2>Cells</h2>
              <div class="cells"><figure id="k-normal" class="cell-fig"></figure><figure id="k-reduction" class="cell-fig"></figure></div>
            </section>
            <section class="grid">
              <article class="card"><h2>Learning curve</h2><div class="chart" id="loss-chart"></div><p class="legend"><i class="k avg"></i>training loss per epoch <span id="loss-note" class="muted"></span></p></article>
              <article class="card"><h2>Validation accuracy per rung</h2><div class="chart" id="acc-chart"></div><p class="legend"><i class="k best"></i>accuracy after the rung's epochs</p></article>
            </section>
            <section class="card"><h2>Results</h2><div id="k-results" class="table-wrap"></div></section>
            <section class="card"><h2>Attempts</h2><div id="k-attempts" class="table-wrap"></div></section>
            <section class="card"><div class="card-head"><h2>Genotype</h2><button id="k-copy" class="button" type="button">copy</button></div><pre id="k-genotype" class="json"></pre></section>
            """);
    }

    private static string Page(string title, string page, string data, string crumbs, string main) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{Enc(title)}} · NasNet</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="{{WebAssets.Url("nasnet.css")}}">
        </head>
        <body data-page="{{page}}"{{data}}>
        <header class="top"><a class="brand" href="/campaigns"><span class="mark"></span>NasNet</a><nav class="crumbs">{{crumbs}}</nav><nav class="links"><a href="/campaigns">campaigns</a><a href="/dashboard/">Orleans dashboard</a></nav></header>
        <main>
        {{main}}
        </main>
        <footer>NasNet · neural architecture search as in NASNet (Zoph et al., 2018) · served by this silo, read-only</footer>
        <script src="{{WebAssets.Url("nasnet.js")}}" defer></script>
        </body>
        </html>
        """;

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
