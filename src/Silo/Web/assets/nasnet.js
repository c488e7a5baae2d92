// NasNet campaign pages: plain JavaScript (no build step, no library). Each page polls small JSON documents of the
// silo (at most every 2 s while something runs) and redraws its regions in place; charts are hand-drawn SVG.
'use strict';
(() => {
  const POLL_MS = 2000;
  const IDLE_POLL_MS = 10000;
  const body = document.body;
  const page = body.dataset.page;
  const campaignId = body.dataset.campaign;
  const base = campaignId ? `/campaigns/${encodeURIComponent(campaignId)}` : '/campaigns';

  // ---- helpers ---------------------------------------------------------------------------------------------------
  const $ = (selector) => document.querySelector(selector);
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
  const pct = (x, digits = 2) => (isNum(x) ? `${(x * 100).toFixed(digits)}%` : '–');
  const int = (x) => (isNum(x) ? Math.round(x).toLocaleString('en-US') : '–');
  const si = (x) => {
    if (!isNum(x)) return '–';
    const a = Math.abs(x);
    if (a >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
    if (a >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
    if (a >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
    return `${Math.round(x)}`;
  };
  const ms = (x) => (isNum(x) && x > 0 ? `${x.toFixed(2)} ms` : '–');
  const when = (s) => (s ? new Date(s).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' }) : '–');
  const duration = (seconds) => {
    if (!isNum(seconds) || seconds < 0) return '–';
    if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
    const m = Math.floor(seconds / 60);
    if (m < 60) return `${m}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
    return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
  };
  const number5 = (n) => `#${String(n).padStart(5, '0')}`;
  /** JSON indented to the depth of a genotype's blocks: each block (and every array of values) on one line. */
  const pretty = (v, indent = '', depth = 0) => {
    if (v === null || typeof v !== 'object' || depth >= 3 || (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object'))) return JSON.stringify(v);
    const inner = `${indent}  `;
    if (Array.isArray(v)) return v.length ? `[\n${v.map((x) => inner + pretty(x, inner, depth + 1)).join(',\n')}\n${indent}]` : '[]';
    return `{\n${Object.keys(v).map((k) => `${inner}${JSON.stringify(k)}: ${pretty(v[k], inner, depth + 1)}`).join(',\n')}\n${indent}}`;
  };
  const candidateUrl = (n) => `${base}/candidates/${n}`;
  const badge = (state) => `<span class="badge ${esc(state)}">${esc(state)}</span>`;
  const tile = (label, value, cls = '') => `<div class="tile ${cls}"><div class="v">${value}</div><div class="l">${esc(label)}</div></div>`;

  async function getJson(url) {
    const r = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
    if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.text()).trim()}`);
    return r.json();
  }

  async function getText(url) {
    const r = await fetch(url, { credentials: 'same-origin' });
    if (!r.ok) throw new Error(`${url}: ${r.status}`);
    return r.text();
  }

  function showError(e) {
    const el = $('#error');
    if (!el) return;
    el.hidden = !e;
    el.textContent = e ? `Could not refresh: ${e.message}` : '';
  }

  /** Runs refresh() now and again after each answer: every 2 s while fast() says so, else every 10 s. */
  function poll(refresh, fast) {
    const tick = async () => {
      try {
        await refresh();
        showError(null);
      } catch (e) {
        showError(e);
      }
      setTimeout(tick, fast() ? POLL_MS : IDLE_POLL_MS);
    };
    tick();
  }

  // ---- charts (SVG) ----------------------------------------------------------------------------------------------
  function ticks(min, max, count = 5) {
    if (!(max > min)) return [min];
    const step0 = (max - min) / count;
    const mag = 10 ** Math.floor(Math.log10(step0));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
    const out = [];
    for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }

  function domain(values, pad = 0.06, floor = undefined) {
    const v = values.filter(isNum);
    if (v.length === 0) return [0, 1];
    let lo = Math.min(...v);
    let hi = Math.max(...v);
    if (hi === lo) { lo -= 0.5 * (Math.abs(lo) || 1) * 0.1; hi += 0.5 * (Math.abs(hi) || 1) * 0.1; }
    const span = hi - lo;
    lo -= span * pad;
    hi += span * pad;
    if (floor !== undefined) lo = Math.max(lo, floor);
    return [lo, hi];
  }

  /**
   * Draws a chart into container: axes with ticks and labels, then draw(sx, sy) (SVG markup from scales).
   * cfg: { x: [lo, hi], y: [lo, hi], xLabel, yLabel, xFormat, yFormat, height, draw, empty }
   */
  function plot(container, cfg) {
    if (!container) return;
    if (cfg.empty) {
      container.innerHTML = `<div class="empty">${esc(cfg.empty)}</div>`;
      return;
    }
    const width = Math.max(300, container.clientWidth || 600);
    const height = cfg.height ?? 230;
    const m = { l: 60, r: 16, t: 10, b: 34 };
    const [x0, x1] = cfg.x;
    const [y0, y1] = cfg.y;
    const sx = (v) => m.l + ((v - x0) / (x1 - x0 || 1)) * (width - m.l - m.r);
    const sy = (v) => height - m.b - ((v - y0) / (y1 - y0 || 1)) * (height - m.t - m.b);
    const xf = cfg.xFormat ?? ((v) => `${v}`);
    const yf = cfg.yFormat ?? ((v) => `${v}`);
    let svg = `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">`;
    svg += '<g class="grid">';
    for (const t of ticks(y0, y1)) svg += `<line x1="${m.l}" x2="${width - m.r}" y1="${sy(t)}" y2="${sy(t)}"/>`;
    svg += '</g><g class="axis">';
    svg += `<line x1="${m.l}" x2="${width - m.r}" y1="${height - m.b}" y2="${height - m.b}"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${height - m.b}"/>`;
    for (const t of ticks(y0, y1)) svg += `<text x="${m.l - 6}" y="${sy(t) + 4}" text-anchor="end">${esc(yf(t))}</text>`;
    for (const t of ticks(x0, x1, Math.max(2, Math.floor(width / 110)))) svg += `<text x="${sx(t)}" y="${height - m.b + 15}" text-anchor="middle">${esc(xf(t))}</text>`;
    svg += `<text class="label" x="${(m.l + width - m.r) / 2}" y="${height - 4}" text-anchor="middle">${esc(cfg.xLabel ?? '')}</text>`;
    svg += `<text class="label" transform="translate(12 ${(m.t + height - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(cfg.yLabel ?? '')}</text>`;
    svg += '</g>';
    svg += cfg.draw(sx, sy);
    svg += '</svg>';
    container.innerHTML = svg;
  }

  const polyline = (xs, ys, sx, sy, cls) => {
    const pts = [];
    for (let i = 0; i < xs.length; i++) if (isNum(ys[i])) pts.push(`${sx(xs[i]).toFixed(1)},${sy(ys[i]).toFixed(1)}`);
    return pts.length ? `<polyline class="${cls}" points="${pts.join(' ')}"/>` : '';
  };

  const stepline = (xs, ys, sx, sy, cls) => {
    let d = '';
    for (let i = 0; i < xs.length; i++) {
      if (!isNum(ys[i])) continue;
      const x = sx(xs[i]).toFixed(1);
      const y = sy(ys[i]).toFixed(1);
      d += d ? ` H${x} V${y}` : `M${x},${y}`;
    }
    return d ? `<path class="${cls}" d="${d}"/>` : '';
  };

  // ---- the campaign list -----------------------------------------------------------------------------------------
  function listPage() {
    let running = false;
    poll(async () => {
      const { campaigns } = await getJson('/campaigns.json');
      running = campaigns.some((c) => c.state === 'running');
      const rows = campaigns.map((c) => {
        const share = c.budget > 0 ? Math.min(1, c.completed / c.budget) : 0;
        return `<tr><td><a href="/campaigns/${encodeURIComponent(c.id)}">${esc(c.name)}</a> <code class="muted">${esc(c.id)}</code></td>
          <td>${badge(c.state)}</td><td>${esc(c.strategy)}</td>
          <td><span class="minibar"><i style="width:${(share * 100).toFixed(1)}%"></i></span>${int(c.completed)} / ${int(c.budget)}${c.failed ? ` <span class="reason">${int(c.failed)} failed</span>` : ''}</td>
          <td class="num">${pct(c.bestAccuracy)}</td><td>${when(c.startedUtc)}</td><td>${c.endedUtc ? when(c.endedUtc) : '–'}</td></tr>`;
      });
      $('#campaigns tbody').innerHTML = rows.join('') || '<tr><td colspan="7" class="muted">no campaign yet: start one with <code>nasnet campaign start</code> or <code>nasnet demo</code></td></tr>';
      body.dataset.ready = '1';
    }, () => running);
  }

  // ---- the campaign page -----------------------------------------------------------------------------------------
  function campaignPage() {
    const lb = { filter: 'trained', sort: 'rank', desc: false, skip: 0, total: 0, key: '' };
    const defaultDesc = { rank: false, number: false, accuracy: true, reward: true, params: false, multAdds: false, latency: false, epochs: true };
    let status = null;
    let bestShown = null;

    $('#leaderboard thead').addEventListener('click', (e) => {
      const th = e.target.closest('th[data-sort]');
      if (!th) return;
      const sort = th.dataset.sort;
      lb.desc = lb.sort === sort ? !lb.desc : defaultDesc[sort];
      lb.sort = sort;
      lb.skip = 0;
      refreshLeaderboard(true).catch(showError);
    });
    $('#lb-filter').addEventListener('change', (e) => {
      lb.filter = e.target.value;
      lb.skip = 0;
      refreshLeaderboard(true).catch(showError);
    });
    $('#lb-pager').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-skip]');
      if (!b) return;
      lb.skip = Number(b.dataset.skip);
      refreshLeaderboard(true).catch(showError);
    });
    $('#leaderboard').addEventListener('error', (e) => {
      if (e.target.tagName === 'IMG') e.target.classList.add('missing'); // a final training's reference network has no cell
    }, true);

    function eta(s) {
      if (s.state !== 'running') return '–';
      const finished = s.completed + s.failed + s.rejected;
      if (finished === 0) return '?';
      const elapsed = (Date.now() - new Date(s.startedUtc).getTime()) / 1000;
      return duration((elapsed / finished) * Math.max(0, s.budget - finished));
    }

    function renderStatus(s) {
      $('#c-state').className = `badge ${s.state}`;
      $('#c-state').textContent = s.state;
      $('#c-strategy').textContent = s.strategy;
      $('#c-started').textContent = when(s.startedUtc);
      $('#c-ended').textContent = s.endedUtc ? ` · ended ${when(s.endedUtc)}` : '';
      $('#c-host').textContent = s.host;
      $('#done').textContent = int(s.completed);
      $('#budget').textContent = int(s.budget);
      $('#eta').textContent = eta(s);
      $('#c-bar').style.width = `${s.budget > 0 ? Math.min(100, (100 * (s.completed + s.failed + s.rejected)) / s.budget) : 0}%`;
      const asha = s.rungs.length > 1;
      $('#tiles').innerHTML = [
        tile('running', int(s.running)),
        tile('pending', int(s.pending)),
        tile('failed', int(s.failed), s.failed ? 'bad' : ''),
        tile('rejected (cost)', int(s.rejected)),
        tile('cache hits', int(s.cacheHits)),
        tile('best accuracy', pct(s.bestAccuracy), 'good'),
        tile('reward average', isNum(s.rewardMovingAverage) ? s.rewardMovingAverage.toFixed(4) : '–'),
        tile('policy version', `v${int(s.policyUpdates)}`),
        tile('rewards applied', int(s.rewardsApplied)),
        tile('stale reports ignored', int(s.staleReports)),
        tile('resumed from checkpoint', int(s.resumes)),
        tile('epochs trained', int(s.epochsTrained)),
        asha ? tile('ASHA promotions', int(s.promotions)) : '',
        s.finalTotal > 0 ? tile('final trainings', `${int(s.finalDone)} / ${int(s.finalTotal)}`) : '',
      ].join('');
      if (s.error) showError(new Error(s.error));
    }

    async function renderBest(s) {
      const id = s.bestCandidateId;
      if (!id) return;
      const n = Number(id.slice(id.lastIndexOf('/') + 1));
      $('#best-caption').innerHTML = `<a href="${candidateUrl(n)}">${number5(n)}</a> · accuracy ${pct(s.bestAccuracy)}${s.rungs.length > 1 ? ` at rung ${s.bestRung}` : ''}`;
      if (bestShown === n) return;
      const [normal, reduction] = await Promise.all([getText(`${candidateUrl(n)}/normal.svg`), getText(`${candidateUrl(n)}/reduction.svg`)]);
      $('#best-normal').innerHTML = normal;
      $('#best-reduction').innerHTML = reduction;
      bestShown = n;
    }

    function renderRewards(c, s) {
      const r = c.reward;
      const bucketed = c.bucket > 1;
      $('#reward-note').textContent = c.rewards ? `· ${int(c.rewards)} rewards${bucketed ? `, ${c.bucket} per point (band: lowest to highest)` : ''}` : '';
      const ys = [...r.low, ...r.high, ...(r.baseline ?? [])];
      plot($('#reward-chart'), {
        empty: c.rewards === 0 ? 'no reward yet' : null,
        x: [0, Math.max(1, c.rewards - 1)],
        y: domain(ys, 0.08),
        xLabel: 'rewards, in the order the strategy received them',
        yLabel: 'reward',
        xFormat: (v) => int(v + 1),
        yFormat: (v) => v.toFixed(2),
        draw: (sx, sy) => {
          let g = '';
          if (bucketed) {
            const top = r.seq.map((x, i) => `${sx(x).toFixed(1)},${sy(r.high[i]).toFixed(1)}`);
            const bottom = r.seq.map((x, i) => `${sx(x).toFixed(1)},${sy(r.low[i]).toFixed(1)}`).reverse();
            g += `<polygon class="band" points="${top.concat(bottom).join(' ')}"/>`;
          }
          g += '<g>';
          for (let i = 0; i < r.seq.length; i++) {
            const n = r.number[i];
            const y = bucketed ? r.mean[i] : r.high[i];
            g += `<a href="${n >= 0 ? candidateUrl(n) : '#'}"><circle class="pt" cx="${sx(r.seq[i]).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="${bucketed ? 1.6 : 2.6}"><title>${n >= 0 ? number5(n) : ''} reward ${y.toFixed(4)}</title></circle></a>`;
          }
          g += '</g>';
          g += polyline(r.seq, r.average, sx, sy, 'avg');
          if (r.baseline) g += polyline(r.seq, r.baseline, sx, sy, 'base');
          g += stepline(r.seq, r.best, sx, sy, 'best');
          return g;
        },
      });
    }

    function renderEntropy(c, s) {
      const e = c.entropy;
      plot($('#entropy-chart'), {
        empty: s.strategy !== 'ppo' ? `the ${s.strategy} strategy has no policy to measure` : !e || e.version.length === 0 ? 'no policy update yet (since this controller started)' : null,
        x: e && e.version.length ? [Math.min(...e.version), Math.max(Math.min(...e.version) + 1, ...e.version)] : [0, 1],
        y: e ? domain(e.entropy, 0.1) : [0, 1],
        xLabel: 'policy version',
        yLabel: 'entropy (nats)',
        xFormat: (v) => `v${int(v)}`,
        yFormat: (v) => v.toFixed(1),
        draw: (sx, sy) => polyline(e.version, e.entropy, sx, sy, 'avg') + e.version.map((v, i) => `<circle class="pt" cx="${sx(v).toFixed(1)}" cy="${sy(e.entropy[i]).toFixed(1)}" r="2"><title>v${v}: ${e.entropy[i].toFixed(3)}</title></circle>`).join(''),
      });
    }

    function renderCost(c) {
      const k = c.cost;
      $('#cost-note').textContent = k.trained > k.number.length ? `· ${int(k.number.length)} of ${int(k.trained)} shown (every front point, the best, a sample of the rest)` : '';
      const scatter = (el, xs, bit, xLabel, xFormat) => {
        const idx = k.number.map((_, i) => i).filter((i) => xs[i] > 0);
        plot(el, {
          empty: idx.length === 0 ? (bit === 2 ? 'no latency measured (the trainer does not measure it)' : 'no trained candidate yet') : null,
          x: domain(idx.map((i) => xs[i]), 0.05, 0),
          y: domain(idx.map((i) => k.accuracy[i]), 0.08),
          xLabel,
          yLabel: 'accuracy',
          xFormat,
          yFormat: (v) => `${(v * 100).toFixed(1)}%`,
          draw: (sx, sy) => {
            const front = idx.filter((i) => k.front[i] & bit).sort((a, b) => xs[a] - xs[b]);
            let g = '';
            if (front.length) {
              let d = `M${sx(xs[front[0]]).toFixed(1)},${sy(k.accuracy[front[0]]).toFixed(1)}`;
              for (const i of front.slice(1)) d += ` H${sx(xs[i]).toFixed(1)} V${sy(k.accuracy[i]).toFixed(1)}`;
              g += `<path class="frontline" d="${d}"/>`;
            }
            for (const i of idx) {
              const onFront = (k.front[i] & bit) !== 0;
              g += `<a href="${candidateUrl(k.number[i])}"><circle class="${onFront ? 'front' : 'pt'}" cx="${sx(xs[i]).toFixed(1)}" cy="${sy(k.accuracy[i]).toFixed(1)}" r="${onFront ? 3.4 : 2.4}"><title>${number5(k.number[i])}: ${pct(k.accuracy[i])}, ${si(k.multAdds[i])} mult-adds, ${ms(k.latencyMs[i])}, ${si(k.params[i])} params</title></circle></a>`;
            }
            return g;
          },
        });
      };
      scatter($('#cost-multadds'), k.multAdds, 1, 'mult-adds per image', si);
      scatter($('#cost-latency'), k.latencyMs, 2, 'latency (ms, batch 1)', (v) => v.toFixed(2));
    }

    function renderTrainers(s, busy) {
      const rows = s.trainers.map((t) => {
        const cut = t.trainerId.lastIndexOf('/');
        const n = Number(t.candidateId.slice(t.candidateId.lastIndexOf('/') + 1));
        const share = t.epochs > 0 ? Math.min(1, t.epoch / t.epochs) : 0;
        return `<tr><td>${esc(t.trainerId.slice(0, cut))}</td><td class="num">${esc(t.trainerId.slice(cut + 1))}</td><td><a href="${candidateUrl(n)}">${number5(n)}</a></td>
          <td><span class="minibar"><i style="width:${(share * 100).toFixed(0)}%"></i></span>${int(t.epoch)} / ${int(t.epochs)}</td><td>${duration(Math.max(0, (Date.now() - new Date(t.sinceUtc).getTime()) / 1000))}</td></tr>`;
      });
      $('#trainers').innerHTML = rows.length
        ? `<table class="data"><thead><tr><th>silo</th><th class="num">slot</th><th>training</th><th>epoch</th><th>for</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
        : `<p class="muted">${s.state === 'running' ? 'no training leased right now' : `no training: the campaign is ${esc(s.state)}`}</p>`;
      const share = busy ? busy.busy.map((b, i) => (busy.slots[i] > 0 ? Math.min(1, b / busy.slots[i]) : 0)) : [];
      plot($('#busy-chart'), {
        height: 130,
        empty: !busy || busy.t.length < 2 ? 'sampled every 2 s by this silo while the campaign runs' : null,
        x: busy && busy.t.length ? [busy.t[0], busy.t[busy.t.length - 1]] : [0, 1],
        y: [0, 1],
        xLabel: '',
        yLabel: 'busy',
        xFormat: (v) => new Date(v).toLocaleTimeString('en-GB'),
        yFormat: (v) => `${Math.round(v * 100)}%`,
        draw: (sx, sy) => {
          const pts = busy.t.map((t, i) => `${sx(t).toFixed(1)},${sy(share[i]).toFixed(1)}`);
          return `<polygon class="area" points="${sx(busy.t[0]).toFixed(1)},${sy(0)} ${pts.join(' ')} ${sx(busy.t[busy.t.length - 1]).toFixed(1)},${sy(0)}"/>`;
        },
      });
    }

    function renderFailures(c) {
      const f = c.recentFailures;
      $('#failures').innerHTML = f.length
        ? `<ul class="failures">${f.map((r) => `<li><a href="${candidateUrl(r.number)}">${number5(r.number)}</a> ${badge(r.status)} after ${int(r.attempts)} attempt(s)<br><span class="reason">${esc(r.reason ?? '')}</span></li>`).join('')}</ul>`
        : '<p class="muted">no failed attempt</p>';
    }

    function renderRungs(s, c) {
      const card = $('#rungs-card');
      card.hidden = s.rungs.length <= 1;
      if (card.hidden) return;
      const first = Math.max(1, c.rungReached[0] ?? 0);
      $('#rungs').innerHTML = `<table class="data"><thead><tr><th>rung</th><th class="num">epochs</th><th class="num">candidates reached</th><th>share of rung 0</th></tr></thead><tbody>${
        s.rungs.map((e, i) => `<tr><td>${i}</td><td class="num">${int(e)}</td><td class="num">${int(c.rungReached[i] ?? 0)}</td><td><span class="minibar"><i style="width:${(100 * (c.rungReached[i] ?? 0) / first).toFixed(1)}%"></i></span>${pct((c.rungReached[i] ?? 0) / first, 1)}</td></tr>`).join('')
      }</tbody></table><p class="muted">${int(s.promotions)} promotions granted; the top of each rung trains on to the next (asynchronous successive halving)</p>`;
    }

    function renderFinal(f) {
      const card = $('#final-card');
      card.hidden = !f || f.rows.length === 0;
      if (card.hidden) return;
      const rows = f.rows.map((r) => {
        const mark = r.label === f.bestFound ? '<span class="rowmark">best found</span>' : r.label === f.bestRandom ? '<span class="rowmark">best random</span>' : '';
        const std = isNum(r.testStd) && r.trained > 1 ? ` ± ${(r.testStd * 100).toFixed(2)}` : '';
        return `<tr><td>${esc(r.label)}${mark}</td><td>${esc(r.role)}</td><td class="num">${isNum(r.testMean) ? (r.testMean * 100).toFixed(2) + std : '–'}</td><td class="num">${pct(r.validationMean)}</td>
          <td class="num">${int(r.params)}</td><td class="num">${si(r.multAdds)}</td><td class="num">${ms(r.latencyMs)}</td><td class="num">${int(r.trained)} / ${int(r.seeds)}</td></tr>`;
      });
      const best = f.rows.find((r) => r.label === f.bestFound);
      const compare = best && isNum(best.testMean)
        ? f.rows.filter((r) => isNum(r.testMean) && r.role !== 'Found' && (r.role !== 'Random' || r.label === f.bestRandom))
          .map((r) => `<li>best found (${esc(best.label)}) vs ${esc(r.label)}: <b>${((best.testMean - r.testMean) * 100).toFixed(2)}</b> points of test accuracy</li>`).join('')
        : '';
      $('#final').innerHTML = `<p class="muted">${esc(f.protocol)}${f.complete ? '' : ' · in progress'}</p>
        <div class="table-wrap"><table class="data"><thead><tr><th>row</th><th>role</th><th class="num">test accuracy (%)</th><th class="num">validation</th><th class="num">params</th><th class="num">mult-adds</th><th class="num">latency</th><th class="num">seeds</th></tr></thead>
        <tbody>${rows.join('')}</tbody></table></div>${compare ? `<ul class="compare">${compare}</ul>` : ''}`;
    }

    async function refreshLeaderboard(force) {
      const key = `${lb.filter}|${lb.sort}|${lb.desc}|${lb.skip}|${status ? `${status.completed}|${status.failed}|${status.running}|${status.promotions}|${status.finalDone}` : ''}`;
      if (!force && key === lb.key) return;
      const q = new URLSearchParams({ filter: lb.filter, sort: lb.sort, desc: String(lb.desc), skip: String(lb.skip), take: '20' });
      const p = await getJson(`${base}/candidates.json?${q}`);
      lb.key = key;
      lb.total = p.total;
      for (const th of document.querySelectorAll('#leaderboard th[data-sort]')) {
        th.classList.toggle('sorted', th.dataset.sort === lb.sort);
        th.classList.toggle('desc', th.dataset.sort === lb.sort && lb.desc);
      }
      const rows = p.rows.map((r, i) => {
        const rank = p.ranks[i];
        const url = candidateUrl(r.number);
        const img = (cell) => `<img loading="lazy" src="${url}/${cell}.svg" alt="${cell} cell of ${number5(r.number)}" width="150" height="96">`;
        const trained = r.rung >= 0;
        return `<tr><td class="rank">${rank > 0 ? rank : '–'}</td><td><a href="${url}">${number5(r.number)}</a>${r.cacheHitOf ? ' <span class="muted">cache hit</span>' : ''}</td>
          <td class="cell"><a href="${url}">${img('normal')}</a></td><td class="cell"><a href="${url}">${img('reduction')}</a></td>
          <td class="num">${trained ? pct(r.accuracy) : '–'}</td><td class="num">${trained ? r.reward.toFixed(4) : '–'}</td><td class="num">${r.params ? si(r.params) : '–'}</td>
          <td class="num">${r.multAdds ? si(r.multAdds) : '–'}</td><td class="num">${ms(r.latencyMs)}</td><td class="num">${int(r.epochs)}${status && status.rungs.length > 1 && trained ? ` <span class="muted">(rung ${r.rung})</span>` : ''}</td>
          <td>${badge(r.status)}${r.reason && r.status !== 'done' ? `<div class="reason">${esc(r.reason)}</div>` : ''}</td></tr>`;
      });
      $('#leaderboard tbody').innerHTML = rows.join('') || `<tr><td colspan="11" class="muted">${lb.filter === 'trained' ? 'no trained candidate yet' : 'none'}</td></tr>`;
      const pages = Math.max(1, Math.ceil(p.total / 20));
      const at = Math.floor(lb.skip / 20) + 1;
      $('#lb-pager').innerHTML = `<button type="button" data-skip="0" ${at === 1 ? 'disabled' : ''}>first</button><button type="button" data-skip="${Math.max(0, lb.skip - 20)}" ${at === 1 ? 'disabled' : ''}>previous</button>
        <span>page ${int(at)} of ${int(pages)} · ${int(p.total)} rows</span><button type="button" data-skip="${lb.skip + 20}" ${at >= pages ? 'disabled' : ''}>next</button><button type="button" data-skip="${(pages - 1) * 20}" ${at >= pages ? 'disabled' : ''}>last</button>`;
    }

    poll(async () => {
      const view = await getJson(`${base}/view.json`);
      status = view.status;
      renderStatus(status);
      renderRewards(view.charts, status);
      renderEntropy(view.charts, status);
      renderCost(view.charts);
      renderTrainers(status, view.busy);
      renderFailures(view.charts);
      renderRungs(status, view.charts);
      renderFinal(view.final);
      await Promise.all([refreshLeaderboard(false), renderBest(status)]);
      body.dataset.ready = '1';
      body.dataset.updates = String(Number(body.dataset.updates ?? 0) + 1);
    }, () => status?.state === 'running');
  }

  // ---- the candidate page ----------------------------------------------------------------------------------------
  function candidatePage() {
    const number = Number(body.dataset.number);
    const url = candidateUrl(number);
    let row = null;
    let cellsShown = false;

    $('#k-copy').addEventListener('click', async () => {
      const text = $('#k-genotype').textContent;
      try {
        await navigator.clipboard.writeText(text);
        $('#k-copy').textContent = 'copied';
      } catch {
        const range = document.createRange();
        range.selectNodeContents($('#k-genotype'));
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        $('#k-copy').textContent = 'selected: press Ctrl+C';
      }
      setTimeout(() => { $('#k-copy').textContent = 'copy'; }, 2000);
    });

    async function showCells() {
      if (cellsShown) return;
      try {
        const [normal, reduction, genotype] = await Promise.all([getText(`${url}/normal.svg`), getText(`${url}/reduction.svg`), getText(`${url}/genotype.json`)]);
        $('#k-normal').innerHTML = normal;
        $('#k-reduction').innerHTML = reduction;
        $('#k-genotype').textContent = pretty(JSON.parse(genotype));
        cellsShown = true;
      } catch (e) {
        $('#k-normal').innerHTML = '<p class="muted">no cell to draw (a reference network, or the candidate is being created)</p>';
      }
    }

    function render(v) {
      const r = v.row;
      const c = v.candidate;
      const rungs = v.campaign.rungs;
      $('#k-status').className = `badge ${r.status}`;
      $('#k-status').textContent = r.status;
      $('#k-cache').innerHTML = r.cacheHitOf ? `· reuses the result of <a href="${candidateUrl(Number(r.cacheHitOf.slice(r.cacheHitOf.lastIndexOf('/') + 1)))}">${esc(r.cacheHitOf)}</a> (same canonical cell)` : '';
      const results = c?.rungResults ?? [];
      const last = results[results.length - 1];
      $('#k-weights').hidden = !results.some((x) => x.hasWeights);
      $('#tiles').innerHTML = [
        tile('validation accuracy', r.rung >= 0 ? pct(r.accuracy) : '–', 'good'),
        last && isNum(last.testAccuracy) ? tile('test accuracy', pct(last.testAccuracy)) : '',
        tile('reward (objective)', r.rung >= 0 ? r.reward.toFixed(4) : '–'),
        tile('params', si(r.params)),
        tile('mult-adds', si(r.multAdds)),
        tile('latency (batch 1)', ms(r.latencyMs)),
        tile('epochs trained', int(r.epochs)),
        rungs.length > 1 ? tile('rung reached', r.rung >= 0 ? `${r.rung} of ${rungs.length - 1}` : '–') : '',
        tile('attempts', int(c?.attempts ?? r.attempts)),
        tile('policy version', `v${int(r.policyVersion)}`),
        last ? tile('training time', duration(results.reduce((a, x) => a + x.seconds, 0))) : '',
      ].join('');

      // Learning curve: each result covers the epochs after its resume point; a later attempt overrides an earlier one.
      const loss = new Map();
      for (const x of results) (x.epochLosses ?? []).forEach((l, i) => loss.set(x.resumedFromEpoch + i + 1, Number(l)));
      const epochs = [...loss.keys()].sort((a, b) => a - b);
      const missing = results.length && epochs.length && epochs[0] > 1 ? `epochs 1-${epochs[0] - 1} were trained by an earlier attempt` : '';
      $('#loss-note').textContent = missing ? `· ${missing}` : '';
      plot($('#loss-chart'), {
        empty: epochs.length === 0 ? (r.status === 'training' ? 'training: the curve appears with the result' : 'no epoch trained yet') : null,
        x: [Math.min(...epochs, 1) - 0.15, Math.max(...epochs, 2) + 0.15],
        y: domain(epochs.map((e) => loss.get(e)), 0.1, 0),
        xLabel: 'epoch',
        yLabel: 'training loss',
        xFormat: (x) => (Number.isInteger(x) ? `${x}` : ''),
        yFormat: (y) => y.toFixed(2),
        draw: (sx, sy) => polyline(epochs, epochs.map((e) => loss.get(e)), sx, sy, 'avg') + epochs.map((e) => `<circle class="pt" cx="${sx(e).toFixed(1)}" cy="${sy(loss.get(e)).toFixed(1)}" r="3"><title>epoch ${e}: ${loss.get(e).toFixed(4)}</title></circle>`).join(''),
      });
      const accEpochs = results.map((x) => x.epochs);
      const acc = results.map((x) => x.validationAccuracy);
      plot($('#acc-chart'), {
        empty: results.length === 0 ? 'no result yet' : null,
        x: [0, Math.max(...accEpochs, 1) * 1.05],
        y: domain(acc, 0.15),
        xLabel: 'epochs',
        yLabel: 'validation accuracy',
        xFormat: (x) => (Number.isInteger(x) ? `${x}` : ''),
        yFormat: (y) => `${(y * 100).toFixed(1)}%`,
        draw: (sx, sy) => polyline(accEpochs, acc, sx, sy, 'best') + accEpochs.map((e, i) => `<circle class="bestpt" cx="${sx(e).toFixed(1)}" cy="${sy(acc[i]).toFixed(1)}" r="4"><title>rung ${i}: ${pct(acc[i])} after ${e} epochs</title></circle>`).join(''),
      });

      $('#k-results').innerHTML = results.length
        ? `<table class="data"><thead><tr><th>rung</th><th class="num">epochs</th><th class="num">validation</th><th class="num">test</th><th class="num">params</th><th class="num">mult-adds</th><th class="num">latency</th><th class="num">throughput</th><th class="num">time</th><th>trainer</th><th class="num">resumed from</th><th>outcome</th></tr></thead><tbody>${
          results.map((x, i) => `<tr><td>${i}</td><td class="num">${int(x.epochs)}</td><td class="num">${pct(x.validationAccuracy)}</td><td class="num">${pct(x.testAccuracy)}</td><td class="num">${int(x.params)}</td><td class="num">${si(x.multAdds)}</td>
            <td class="num">${ms(x.latencyMs)}</td><td class="num">${x.throughputImagesPerSecond > 0 ? `${int(x.throughputImagesPerSecond)} img/s` : '–'}</td><td class="num">${duration(x.seconds)}</td><td>${esc(x.trainerId)}</td><td class="num">${x.resumedFromEpoch > 0 ? `epoch ${x.resumedFromEpoch}` : '–'}</td>
            <td>${badge(x.outcome)}${x.reason ? ` <span class="muted">${esc(x.reason)}</span>` : ''}</td></tr>`).join('')
        }</tbody></table>`
        : `<p class="muted">${r.status === 'training' ? 'training now' : r.cacheHitOf ? 'a cache hit: no training of its own' : 'no result yet'}</p>`;

      const attempts = c?.history ?? [];
      $('#k-attempts').innerHTML = attempts.length
        ? `<table class="data"><thead><tr><th>#</th><th>silo</th><th class="num">slot</th><th>lease</th><th class="num">resumed from</th><th class="num">epochs</th><th class="num">time</th><th>started</th><th>ended</th><th>outcome</th></tr></thead><tbody>${
          attempts.map((a, i) => {
            const t = a.trainerId ?? '';
            const cut = t.lastIndexOf('/');
            return `<tr><td>${a.attempt > 0 ? a.attempt : i + 1}</td><td>${esc(cut > 0 ? t.slice(0, cut) : t || '–')}</td><td class="num">${esc(cut > 0 ? t.slice(cut + 1) : '–')}</td><td><code>${esc(a.leaseId ? a.leaseId.slice(0, 8) : '–')}</code></td>
              <td class="num">${a.resumedFromEpoch > 0 ? `epoch ${a.resumedFromEpoch}` : '–'}</td><td class="num">${a.epochs > 0 ? int(a.epochs) : '–'}</td><td class="num">${a.seconds > 0 ? duration(a.seconds) : '–'}</td>
              <td>${a.startedUtc ? when(a.startedUtc) : '–'}</td><td>${when(a.endedUtc)}</td><td>${badge(a.outcome)}${a.reason ? `<div class="reason">${esc(a.reason)}</div>` : ''}</td></tr>`;
          }).join('')
        }</tbody></table>`
        : `<p class="muted">${r.status === 'training' ? 'the first attempt is running' : r.cacheHitOf ? 'a cache hit: never trained itself' : 'no attempt recorded yet'}</p>`;
    }

    poll(async () => {
      const v = await getJson(`${url}/view.json`);
      row = v.row;
      render(v);
      await showCells();
      body.dataset.ready = '1';
      body.dataset.updates = String(Number(body.dataset.updates ?? 0) + 1);
    }, () => row && (row.status === 'pending' || row.status === 'training'));
  }

  if (page === 'list') listPage();
  else if (page === 'campaign') campaignPage();
  else if (page === 'candidate') candidatePage();
})();
