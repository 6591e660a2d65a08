/// `GET /`: one self-contained page (inline CSS, inline SVG, no CDN, no framework) that draws
/// `GET /dashboard.json` and refreshes it every five seconds without a reload: the status and why,
/// today's check-ins and check-outs by site, the last 20 events by severity, a 24-hour timeline of
/// the modes, sparklines of memory and of deliveries per minute, and the dead letters. One column
/// on a phone. Names and raw updates appear only once an admin token is entered (kept for the tab
/// only, in `sessionStorage`); without one the page shows counts.
public enum Dashboard {
    public static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Metropolitan bot</title>
    <style>
      :root { color-scheme: light dark; --ok: #1a7f37; --degraded: #9a6700; --unhealthy: #cf222e; --muted: #8886;
              --webhook: #1a7f37; --polling: #9a6700; --starting: #888; --stopping: #cf222e; }
      * { box-sizing: border-box; }
      body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem; }
      h1 { font-size: 1.3rem; margin: 0 0 .3rem; } h2 { font-size: 1rem; margin: 0 0 .5rem; opacity: .8; }
      .ok { color: var(--ok); } .degraded { color: var(--degraded); } .unhealthy, .stopping { color: var(--unhealthy); }
      .error { color: var(--unhealthy); } .warning { color: var(--degraded); } .info { opacity: .75; }
      #status { font-weight: 700; text-transform: uppercase; }
      .grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); margin-top: 1rem; }
      section { border: 1px solid var(--muted); border-radius: .5rem; padding: .75rem; min-width: 0; }
      table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
      td, th { text-align: left; padding: .15rem .4rem; border-bottom: 1px solid var(--muted); vertical-align: top; overflow-wrap: anywhere; }
      #events td:first-child, #events td:nth-child(2) { white-space: nowrap; }
      td.n, th.n { text-align: right; }
      .big { font-size: 1.6rem; font-weight: 700; }
      svg { width: 100%; height: 3rem; display: block; }
      ul { margin: .3rem 0; padding-left: 1.2rem; }
      small, .muted { opacity: .65; }
      form { display: flex; gap: .5rem; margin-top: .5rem; flex-wrap: wrap; }
      input { flex: 1; min-width: 10rem; }
      .legend span { margin-right: .8rem; white-space: nowrap; }
      .swatch { display: inline-block; width: .7rem; height: .7rem; border-radius: .15rem; margin-right: .2rem; }
      code { word-break: break-all; font-size: .8rem; }
    </style>
    </head>
    <body>
    <h1>Metropolitan bot — <span id="status">…</span> <small>(<span id="mode">…</span>)</small></h1>
    <ul id="reasons"></ul>
    <p id="error" class="error" hidden></p>
    <form id="token-form"><input id="token" type="password" placeholder="Admin token: names and raw updates" autocomplete="off">
      <button>Show personal data</button></form>
    <div class="grid">
      <section><h2>Today (UTC)</h2>
        <p><span class="big" id="total-check-ins">0</span> check-ins · <span class="big" id="total-check-outs">0</span> check-outs</p>
        <table><thead><tr><th>Site</th><th class="n">In</th><th class="n">Out</th></tr></thead><tbody id="sites"></tbody></table>
        <table id="attendance" hidden><thead><tr><th>Time</th><th>Who</th><th>What</th><th>Site</th></tr></thead><tbody></tbody></table>
      </section>
      <section><h2>Modes, last 24 h <small id="modes-since"></small></h2><svg id="modes" viewBox="0 0 1000 40" preserveAspectRatio="none"></svg>
        <div class="legend"><span><i class="swatch" style="background:var(--webhook)"></i>webhook</span>
          <span><i class="swatch" style="background:var(--polling)"></i>polling</span>
          <span><i class="swatch" style="background:var(--stopping)"></i>stopping</span></div></section>
      <section><h2>Memory, last hour: <span id="memory-now">…</span></h2><svg id="memory" viewBox="0 0 1000 100" preserveAspectRatio="none"></svg></section>
      <section><h2>Deliveries per minute, last hour: <span id="deliveries-total">0</span></h2><svg id="deliveries" viewBox="0 0 1000 100" preserveAspectRatio="none"></svg></section>
      <section><h2>Dead letters: <span id="dead-letter-count">0</span></h2><ul id="dead-letters"></ul></section>
      <section><h2>Last 20 events</h2><table><tbody id="events"></tbody></table></section>
    </div>
    <footer class="muted">version <span id="version">…</span> · uptime <span id="uptime">…</span> · refreshed <span id="refreshed">never</span></footer>
    <script>
    const $ = (id) => document.getElementById(id);
    const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
    const time = (iso) => new Date(iso).toLocaleTimeString();
    const duration = (s) => s < 90 ? s.toFixed(0) + " s" : s < 5400 ? (s / 60).toFixed(0) + " min" : (s / 3600).toFixed(1) + " h";
    function sparkline(svg, points, max) {
      svg.replaceChildren();
      if (points.length === 0) return;
      const t0 = new Date(points[0].at).getTime(), t1 = Math.max(new Date(points[points.length - 1].at).getTime(), t0 + 1);
      const top = Math.max(max || 0, ...points.map((p) => p.value), 1);
      const xy = points.map((p) => [((new Date(p.at).getTime() - t0) / (t1 - t0)) * 1000, 100 - (p.value / top) * 95]);
      const line = document.createElementNS(svg.namespaceURI, "polyline");
      line.setAttribute("points", (xy.length === 1 ? [[0, xy[0][1]], [1000, xy[0][1]]] : xy).map((p) => p.join(",")).join(" "));
      line.setAttribute("fill", "none"); line.setAttribute("stroke", "currentColor"); line.setAttribute("stroke-width", "3");
      svg.append(line);
    }
    function timeline(svg, modes, now) {
      svg.replaceChildren();
      // The last 24 hours, or since the first mode change in them (a bot that started an hour ago).
      const start = modes.length ? Math.max(now - 86400000, new Date(modes[0].at).getTime()) : now - 86400000;
      const span = Math.max(now - start, 1);
      modes.forEach((m, i) => {
        const from = Math.max(new Date(m.at).getTime(), start), to = i + 1 < modes.length ? new Date(modes[i + 1].at).getTime() : now;
        const rect = document.createElementNS(svg.namespaceURI, "rect");
        rect.setAttribute("x", ((from - start) / span) * 1000); rect.setAttribute("width", Math.max(((to - from) / span) * 1000, 2));
        rect.setAttribute("y", 0); rect.setAttribute("height", 40); rect.setAttribute("fill", `var(--${m.mode}, #888)`);
        rect.dataset.mode = m.mode; svg.append(rect);
      });
    }
    async function refresh() {
      try {
        const token = sessionStorage.getItem("adminToken");
        const r = await fetch("dashboard.json", { cache: "no-store", headers: token ? { Authorization: "Bearer " + token } : {} });
        if (r.status === 401) { sessionStorage.removeItem("adminToken"); throw new Error("wrong admin token"); }
        const d = await r.json(), h = d.health;
        const verdict = h.mode === "stopping" ? "stopping" : h.status;
        $("status").textContent = verdict; $("status").className = verdict; $("mode").textContent = h.mode;
        $("reasons").replaceChildren(...h.reasons.map((t) => el("li", t, "warning")));
        let ins = 0, outs = 0;
        $("sites").replaceChildren(...d.today.map((s) => { ins += s.check_ins; outs += s.check_outs;
          const tr = el("tr"); tr.dataset.site = s.site; tr.append(el("td", s.site), el("td", s.check_ins, "n in"), el("td", s.check_outs, "n out")); return tr; }));
        $("total-check-ins").textContent = ins; $("total-check-outs").textContent = outs;
        $("attendance").hidden = !d.personal;
        $("attendance").tBodies[0].replaceChildren(...(d.attendance || []).map((a) => { const tr = el("tr");
          tr.append(el("td", time(a.at)), el("td", a.name), el("td", a.action.replace("_", " ")), el("td", a.site)); return tr; }));
        $("events").replaceChildren(...d.events.map((e) => { const tr = el("tr", null, e.severity);
          tr.append(el("td", time(e.at)), el("td", e.kind), el("td", e.summary)); return tr; }));
        timeline($("modes"), d.modes, new Date(d.generated_at).getTime());
        $("modes-since").textContent = d.modes.length ? "(since " + time(d.modes[0].at) + ")" : "";
        sparkline($("memory"), d.memory, 100); $("memory-now").textContent = h.memory.percent.toFixed(1) + " %";
        sparkline($("deliveries"), d.deliveries_per_minute);
        $("deliveries-total").textContent = d.deliveries_per_minute.reduce((n, p) => n + p.value, 0);
        $("dead-letter-count").textContent = h.dead_letters.count;
        $("dead-letters").replaceChildren(...d.dead_letters.map((l) => { const li = el("li", `${l.update_id}: ${l.reason} (${time(l.last_seen)})`);
          if (l.update) li.append(el("br"), el("code", l.update)); return li; }));
        $("version").textContent = h.version; $("uptime").textContent = duration(h.uptime_s);
        $("refreshed").textContent = new Date().toLocaleTimeString(); $("error").hidden = true;
        document.body.dataset.loaded = "true";
      } catch (e) {
        $("error").textContent = "Cannot load the dashboard: " + e.message; $("error").hidden = false;
      }
    }
    $("token-form").addEventListener("submit", (e) => { e.preventDefault(); sessionStorage.setItem("adminToken", $("token").value); $("token").value = ""; refresh(); });
    refresh(); setInterval(refresh, 5000);
    </script>
    </body>
    </html>
    """#
}
