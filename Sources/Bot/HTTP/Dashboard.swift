/// `GET /`: one self-contained page (no CDN, no external file) that shows `/health` live and
/// refreshes itself every two seconds. Readable on a phone: one column, large figures.
public enum Dashboard {
    public static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Metropolitan bot</title>
    <style>
      :root { color-scheme: light dark; --ok: #1a7f37; --degraded: #9a6700; --unhealthy: #cf222e; }
      body { font: 16px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 44rem; padding: 1rem; }
      h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
      #status { font-weight: 700; text-transform: uppercase; }
      .ok { color: var(--ok); } .degraded { color: var(--degraded); } .unhealthy, .stopping { color: var(--unhealthy); }
      dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; }
      dt { opacity: .7; } dd { margin: 0; font-variant-numeric: tabular-nums; word-break: break-word; }
      .bar { height: .5rem; background: #8884; border-radius: .25rem; overflow: hidden; }
      .bar > div { height: 100%; background: currentColor; }
      #error { color: var(--unhealthy); }
      footer { margin-top: 1rem; opacity: .6; font-size: .85rem; }
    </style>
    </head>
    <body>
    <h1>Metropolitan bot — <span id="status">…</span></h1>
    <p id="error" hidden></p>
    <ul id="reasons"></ul>
    <dl>
      <dt>Mode</dt><dd id="mode">…</dd>
      <dt>Uptime</dt><dd id="uptime">…</dd>
      <dt>Memory</dt><dd><span id="memory">…</span><div class="bar"><div id="memory-bar" style="width:0"></div></div></dd>
      <dt>CPU</dt><dd id="cpu">…</dd>
      <dt>Disk</dt><dd id="disk">…</dd>
      <dt>Pending actions</dt><dd id="pending">…</dd>
      <dt>Outbox</dt><dd id="outbox">…</dd>
      <dt>Telegram</dt><dd id="telegram">…</dd>
      <dt>Sheets</dt><dd id="sheets">…</dd>
      <dt>Sites</dt><dd id="sites">…</dd>
      <dt>Cleanup</dt><dd id="cleanup">…</dd>
      <dt>Dead letters</dt><dd id="dead-letters">…</dd>
      <dt>Retrying</dt><dd id="retrying">…</dd>
    </dl>
    <footer>version <span id="version">…</span> · refreshed <span id="refreshed">never</span></footer>
    <script>
    const $ = (id) => document.getElementById(id);
    const mib = (b) => (b / 1048576).toFixed(1) + " MiB";
    const duration = (s) => s < 90 ? s.toFixed(0) + " s" : s < 5400 ? (s / 60).toFixed(0) + " min" : (s / 3600).toFixed(1) + " h";
    async function refresh() {
      try {
        const r = await fetch("health", { cache: "no-store" });
        const h = await r.json();
        const verdict = h.mode === "stopping" ? "stopping" : h.status;
        $("status").textContent = verdict; $("status").className = verdict;
        $("mode").textContent = h.mode;
        $("uptime").textContent = duration(h.uptime_s);
        $("memory").textContent = mib(h.memory.rss_bytes) + " of " + mib(h.memory.limit_bytes) + " (" + h.memory.percent.toFixed(1) + " %)";
        $("memory-bar").style.width = Math.min(100, h.memory.percent) + "%";
        $("cpu").textContent = h.cpu_percent.toFixed(1) + " %";
        $("disk").textContent = h.disk_percent == null ? "unknown" : h.disk_percent.toFixed(1) + " %";
        $("pending").textContent = h.pending_actions;
        $("outbox").textContent = h.outbox.queued + " queued" + (h.outbox.oldest_age_s == null ? "" : ", oldest " + duration(h.outbox.oldest_age_s));
        $("telegram").textContent = (h.telegram.webhook_set ? "webhook set" : "no webhook") + (h.telegram.last_error ? " — last error: " + h.telegram.last_error : "");
        $("sheets").textContent = h.sheets.status + ", circuit " + h.sheets.circuit;
        $("sites").textContent = h.location.sites;
        $("cleanup").textContent = (h.cleanup.last_run ? "last " + new Date(h.cleanup.last_run).toLocaleTimeString() : "not run yet") + ", " + h.cleanup.removed_total + " removed";
        $("dead-letters").textContent = h.dead_letters.count + (h.dead_letters.last_at ? " — last " + new Date(h.dead_letters.last_at).toLocaleString() + ": " + h.dead_letters.last_reason : "");
        $("retrying").textContent = h.intake.retrying + " update(s)" + (h.intake.failing_since ? ", failing since " + new Date(h.intake.failing_since).toLocaleTimeString() : "");
        $("reasons").replaceChildren(...h.reasons.map((r) => { const li = document.createElement("li"); li.textContent = r; return li; }));
        $("version").textContent = h.version;
        $("refreshed").textContent = new Date().toLocaleTimeString();
        $("error").hidden = true;
      } catch (e) {
        $("error").textContent = "Cannot reach /health: " + e; $("error").hidden = false;
      }
    }
    refresh(); setInterval(refresh, 2000);
    </script>
    </body>
    </html>
    """#
}
