// peninsula workbench: plain JavaScript, no library, no build step. Talks only to the JSON API under /api/.
"use strict";

(function () {
  var state = { scenario: null, doc: null, last: null, lastKey: null };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function fmt(x) {
    if (x === null || x === undefined || Number.isNaN(x)) { return "\u2013"; }
    var a = Math.abs(x);
    if (a >= 1000) { return x.toLocaleString("en-US", { maximumFractionDigits: 0 }); }
    return a >= 100 ? x.toFixed(1) : x.toFixed(2);
  }

  function status(text) { $("status").textContent = text || ""; }

  // An input changed after the last run: the shown forecast no longer matches the inputs; say so.
  function stale() {
    if (!state.last) { return; }
    $("forecast-table").classList.add("stale");
    status("inputs changed: Run to update the forecast");
  }

  function clearResults() {
    ["forecast-table", "sweep-result", "charts"].forEach(function (id) { $(id).textContent = ""; });
    $("forecast-table").classList.remove("stale");
    $("progress").hidden = true;
    $("progress-text").textContent = "";
  }

  function showError(doc) {
    var box = $("error");
    box.textContent = "";
    var lines = [doc && doc.error ? doc.error : "error"];
    (doc && doc.problems ? doc.problems : []).forEach(function (p) { lines.push("  " + (p.text || p.message)); });
    box.textContent = lines.join("\n");
    box.hidden = false;
  }

  function clearError() { $("error").hidden = true; $("error").textContent = ""; }

  async function call(method, url, body, raw) {
    var opts = { method: method, headers: {} };
    if (body instanceof FormData) { opts.body = body; }
    else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
    var r = await fetch(url, opts);
    if (!r.ok) {
      var doc;
      try { doc = await r.json(); } catch (e) { doc = { error: "HTTP " + r.status, problems: [] }; }
      throw doc;
    }
    return raw ? r : r.json();
  }

  function busy(on) {
    ["run", "sweep", "save-yaml", "download-report"].forEach(function (id) { $(id).disabled = on; });
  }

  // -- the scenario table -------------------------------------------------------------------------------
  function srcText(s) {
    if (!s) { return { text: "no source", cls: "edited" }; }
    var t = s.text;
    if (s.kind === "coded" && s.low !== null) { t = "coded [" + s.low + ", " + s.high + "]: " + t.replace(/^coded: /, ""); }
    return { text: t, cls: s.kind === "coded" ? "coded" : "" };
  }

  function renderScenario(doc) {
    state.doc = doc;
    var t = $("stances");
    t.textContent = "";
    t.setAttribute("data-scenario", doc.id);
    var head = el("tr");
    head.appendChild(el("th", null, "actor"));
    doc.issues.forEach(function (i) {
      var th = el("th", { title: i.description || "" }, i.id);
      th.appendChild(el("span", { class: "src" }, i.lower + "\u2013" + i.upper + (i.unit ? " " + i.unit : "")));
      head.appendChild(th);
    });
    t.appendChild(head);
    var by = {};
    doc.stances.forEach(function (s) { by[s.actor + "\u0000" + s.issue] = s; });
    doc.actors.forEach(function (a) {
      var tr = el("tr");
      tr.appendChild(el("td", { title: a.name }, a.id));
      doc.issues.forEach(function (i) {
        var td = el("td");
        var s = by[a.id + "\u0000" + i.id];
        if (s) {
          ["position", "salience", "capability"].forEach(function (f) {
            if (s[f] === null || s[f] === undefined) { return; }
            var lab = el("label", { class: "fld" });
            lab.appendChild(el("span", { class: "fld-name" }, f));
            var inp = el("input", { type: "number", step: "any", "data-actor": a.id, "data-issue": i.id,
              "data-field": f, "data-orig": String(s[f]), "aria-label": a.id + " " + i.id + " " + f,
              title: f });
            inp.value = String(s[f]);
            inp.addEventListener("input", function () {
              inp.classList.toggle("changed", inp.value !== inp.dataset.orig);
              stale();
            });
            lab.appendChild(inp);
            td.appendChild(lab);
            var st = srcText(s.sources[f]);
            td.appendChild(el("span", { class: "src " + st.cls, title: f + ": " + st.text }, f[0] + ": " + st.text));
          });
        } else { td.textContent = "\u00b7"; td.className = "muted"; }
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
  }

  function edits() {
    var out = [];
    document.querySelectorAll("#stances input").forEach(function (inp) {
      if (inp.value !== inp.dataset.orig && inp.value !== "") {
        out.push({ actor: inp.dataset.actor, issue: inp.dataset.issue, field: inp.dataset.field, value: Number(inp.value) });
      }
    });
    return out;
  }

  function request(extra) {
    var models = [];
    document.querySelectorAll("#models input:checked").forEach(function (c) { models.push(c.value); });
    var body = { scenario: state.scenario, edits: edits(), models: models.length ? models : ["all"],
      overlay: $("overlay").value || null };
    if ($("seed").value !== "") { body.seed = Number($("seed").value); }
    if ($("rounds").value !== "") { body.rounds = Number($("rounds").value); }
    return Object.assign(body, extra || {});
  }

  async function loadScenario(id) {
    clearError();
    state.scenario = id;
    state.last = null;
    runs++;
    clearResults();
    status("");
    try { renderScenario(await call("GET", "/api/scenarios/" + encodeURIComponent(id))); status("loaded " + id); }
    catch (e) { showError(e); }
  }

  // -- results ------------------------------------------------------------------------------------------
  function renderForecast(doc) {
    var t = $("forecast-table");
    t.textContent = "";
    t.classList.remove("stale");
    var head = el("tr");
    head.appendChild(el("th", null, "issue"));
    head.appendChild(el("th", { class: "n" }, "status quo"));
    doc.models.forEach(function (m) { head.appendChild(el("th", { class: "n" }, m)); });
    t.appendChild(head);
    var prev = state.lastKey === state.scenario ? state.last : null;
    doc.issues.forEach(function (i) {
      var tr = el("tr", { "data-issue": i.id });
      tr.appendChild(el("td", null, i.id));
      tr.appendChild(el("td", { class: "n" }, fmt(i.status_quo)));
      doc.models.forEach(function (m) {
        var v = doc.outcomes[m][i.id];
        var text = fmt(v);
        if (doc.overlay_outcomes) { text += " \u2192 " + fmt(doc.overlay_outcomes[m][i.id]); }
        var pa = doc.p_agreement && doc.p_agreement[m] ? doc.p_agreement[m][i.id] : null;
        if (pa !== null && pa !== undefined) { text += " (p(agree) " + pa.toFixed(2) + ")"; }
        var td = el("td", { class: "n", "data-model": m }, text);
        if (prev && prev.outcomes[m] && prev.outcomes[m][i.id] !== v) { td.classList.add("changed-cell"); td.title = "was " + fmt(prev.outcomes[m][i.id]); }
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    if (doc.cohesion) {
      var tr = el("tr", { class: "cohesion" });
      tr.appendChild(el("td", null, "U.S.-ROK cohesion"));
      tr.appendChild(el("td", { class: "n" }, doc.cohesion.before.toFixed(3)));
      doc.models.forEach(function (m) {
        var c = doc.cohesion[m];
        var text = c === undefined ? "\u2013" : c.toFixed(3);
        if (doc.overlay_cohesion && doc.overlay_cohesion[m] !== undefined) { text += " \u2192 " + doc.overlay_cohesion[m].toFixed(3); }
        tr.appendChild(el("td", { class: "n" }, text));
      });
      t.appendChild(tr);
    }
    renderCharts(doc);
    state.last = doc;
    state.lastKey = state.scenario;
  }

  // -- charts, drawn here from the forecast's numbers (SVG attributes only: no inline style) ----------------
  // The server's matplotlib SVGs of the same charts took 0.3-0.6 s each in a worker, 4-8 s for a Run with
  // every model (issue 26); these take milliseconds.
  var NS = "http://www.w3.org/2000/svg";
  var PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"];

  function svgNode(parent, tag, attrs, text) {
    var n = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { n.textContent = text; }
    if (parent) { parent.appendChild(n); }
    return n;
  }

  // About n round numbers spanning [lo, hi] (steps 1, 2, 2.5, 5 x 10^k; integers only if asked).
  function ticks(lo, hi, n, integer) {
    var span = hi - lo;
    if (!(span > 0)) { return [lo]; }
    var raw = span / Math.max(1, n - 1), mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (f) { return f * mag; }).find(function (v) { return v >= raw; });
    if (integer) { step = Math.max(1, Math.round(step)); }
    var out = [];
    for (var v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * span; v += step) { out.push(+v.toFixed(10)); }
    return out;
  }

  function tickText(v) { return Math.abs(v) >= 1000 ? v.toLocaleString("en-US") : String(+v.toPrecision(6)); }

  // A legend under the panels: [label, colour, dash] items, wrapped to the chart's width; returns its height.
  function legend(svg, items, top, width) {
    var x = 10, y = top + 12, rowH = 16;
    items.forEach(function (it) {
      var w = 26 + 6.2 * it[0].length + 14;
      if (x + w > width && x > 10) { x = 10; y += rowH; }
      var g = svgNode(svg, "g", { class: "key" });
      svgNode(g, "line", { x1: x, x2: x + 20, y1: y - 4, y2: y - 4, stroke: it[1], "stroke-width": it[3] || 1.6,
        "stroke-dasharray": it[2] || "none" });
      svgNode(g, "text", { x: x + 25, y: y, "font-size": 11, fill: "#1d232a" }, it[0]);
      x += w;
    });
    return y - top + 8;
  }

  // Positions round by round on one issue: one panel per model that runs rounds, one line per actor, the
  // outcome dashed, the status quo dotted (as the report's positions chart).
  function positionsChart(p) {
    var n = p.models.length, cols = Math.min(3, n), rows = Math.ceil(n / cols);
    var PW = 300, PH = 170, L = 46, R = 10, T = 22, B = 30, W = cols * PW;
    var svg = svgNode(null, "svg", { class: "chart", role: "img",
      "aria-label": "positions by round on " + p.issue, "font-family": "sans-serif" });
    var pad = 0.03 * (p.upper - p.lower), ylo = p.lower - pad, yhi = p.upper + pad;
    p.models.forEach(function (m, k) {
      var ox = (k % cols) * PW, oy = Math.floor(k / cols) * PH;
      var r0 = m.rounds[0], r1 = m.rounds[m.rounds.length - 1], xs = r1 - r0 || 1;
      var x = function (r) { return ox + L + (PW - L - R) * (r - r0) / xs; };
      var y = function (v) { return oy + T + (PH - T - B) * (yhi - v) / (yhi - ylo); };
      var g = svgNode(svg, "g", { class: "panel", "data-model": m.model });
      svgNode(g, "text", { x: ox + L, y: oy + 14, "font-size": 12, fill: "#1d232a" }, m.model);
      ticks(p.lower, p.upper, 5).forEach(function (v) {
        svgNode(g, "line", { x1: x(r0), x2: x(r1), y1: y(v), y2: y(v), stroke: "#e3e7eb" });
        svgNode(g, "text", { x: ox + L - 4, y: y(v) + 3.5, "font-size": 10, "text-anchor": "end", fill: "#555" }, tickText(v));
      });
      ticks(r0, r1, 6, true).forEach(function (r) {
        svgNode(g, "text", { x: x(r), y: oy + PH - B + 13, "font-size": 10, "text-anchor": "middle", fill: "#555" }, String(r));
      });
      svgNode(g, "text", { x: x((r0 + r1) / 2), y: oy + PH - 4, "font-size": 10, "text-anchor": "middle", fill: "#555" }, "round");
      svgNode(g, "line", { x1: x(r0), x2: x(r0), y1: y(yhi), y2: y(ylo), stroke: "#999" });
      svgNode(g, "line", { x1: x(r0), x2: x(r1), y1: y(ylo), y2: y(ylo), stroke: "#999" });
      if (p.status_quo !== null && p.status_quo !== undefined) {
        svgNode(g, "line", { x1: x(r0), x2: x(r1), y1: y(p.status_quo), y2: y(p.status_quo), stroke: "#999",
          "stroke-dasharray": "1.5 2.5", class: "sq" });
      }
      function line(values, attrs, title, dots) {
        var d = "", pen = "M";
        values.forEach(function (v, j) {
          if (v === null || v === undefined) { pen = "M"; return; }
          d += pen + x(m.rounds[j]).toFixed(1) + " " + y(v).toFixed(1) + " "; pen = "L";
        });
        if (!d) { return; }
        var path = svgNode(g, "path", Object.assign({ d: d, fill: "none" }, attrs));
        svgNode(path, "title", null, title);
        if (dots) {
          values.forEach(function (v, j) {
            if (v !== null && v !== undefined) {
              svgNode(g, "circle", { cx: x(m.rounds[j]).toFixed(1), cy: y(v).toFixed(1), r: 2, fill: attrs.stroke });
            }
          });
        }
      }
      m.positions.forEach(function (vals, j) {
        line(vals, { stroke: PALETTE[j % PALETTE.length], "stroke-width": 1.3, class: "actor", "data-actor": p.actors[j] },
          p.actors[j] + " (" + m.model + ")", m.rounds.length <= 40);
      });
      line(m.outcome, { stroke: "#000", "stroke-width": 1.6, "stroke-dasharray": "5 3", class: "outcome" }, "outcome (" + m.model + ")", false);
    });
    var items = p.actors.map(function (a, j) { return [a, PALETTE[j % PALETTE.length]]; });
    items.push(["outcome", "#000", "5 3"], ["status quo", "#999", "1.5 2.5", 1]);
    var lh = legend(svg, items, rows * PH + 4, W);
    var H = rows * PH + 4 + lh;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    return svg;
  }

  // Base vs. overlay: one panel per issue on its scale, a dumbbell per model (as the report's overlay chart).
  function overlayChart(doc) {
    var issues = doc.issues, models = doc.models, cols = Math.min(2, issues.length), rows = Math.ceil(issues.length / cols);
    var PW = 460, L = 110, R = 14, T = 22, B = 24, rowH = 15, PH = T + B + rowH * models.length, W = cols * PW;
    var svg = svgNode(null, "svg", { class: "chart", role: "img", "aria-label": "base vs. overlay " + doc.overlay,
      "font-family": "sans-serif" });
    issues.forEach(function (issue, k) {
      var sc = issue;
      var ox = (k % cols) * PW, oy = Math.floor(k / cols) * PH, pad = 0.03 * (sc.upper - sc.lower);
      var lo = sc.lower - pad, hi = sc.upper + pad;
      var x = function (v) { return ox + L + (PW - L - R) * (v - lo) / (hi - lo); };
      var y = function (j) { return oy + T + rowH * (j + 0.5); };
      var g = svgNode(svg, "g", { class: "panel", "data-issue": issue.id });
      svgNode(g, "text", { x: ox + L, y: oy + 14, "font-size": 12, fill: "#1d232a" }, issue.id + (issue.unit ? " (" + issue.unit + ")" : ""));
      ticks(sc.lower, sc.upper, 5).forEach(function (v) {
        svgNode(g, "line", { x1: x(v), x2: x(v), y1: oy + T, y2: oy + PH - B, stroke: "#e3e7eb" });
        svgNode(g, "text", { x: x(v), y: oy + PH - B + 13, "font-size": 10, "text-anchor": "middle", fill: "#555" }, tickText(v));
      });
      if (issue.status_quo !== null && issue.status_quo !== undefined) {
        svgNode(g, "line", { x1: x(issue.status_quo), x2: x(issue.status_quo), y1: oy + T, y2: oy + PH - B, stroke: "#999",
          "stroke-dasharray": "1.5 2.5", class: "sq" });
      }
      models.forEach(function (m, j) {
        var b = doc.outcomes[m][issue.id], o = doc.overlay_outcomes[m] ? doc.overlay_outcomes[m][issue.id] : null;
        svgNode(g, "text", { x: ox + L - 6, y: y(j) + 3.5, "font-size": 10, "text-anchor": "end", fill: "#1d232a" }, m);
        if (b !== null && o !== null && o !== undefined) {
          svgNode(g, "line", { x1: x(b), x2: x(o), y1: y(j), y2: y(j), stroke: "#bbb", "stroke-width": 2 });
        }
        if (b !== null) { svgNode(svgNode(g, "circle", { cx: x(b), cy: y(j), r: 3.5, fill: PALETTE[0], class: "base" }), "title", null, m + " base " + fmt(b)); }
        if (o !== null && o !== undefined) {
          svgNode(svgNode(g, "circle", { cx: x(o), cy: y(j), r: 3.5, fill: PALETTE[1], class: "overlaid" }), "title", null, m + " overlay " + fmt(o));
        }
      });
    });
    var lh = legend(svg, [["base", PALETTE[0], "none", 6], ["overlay " + doc.overlay, PALETTE[1], "none", 6],
      ["status quo", "#999", "1.5 2.5", 1]], rows * PH + 4, W);
    var H = rows * PH + 4 + lh;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    return svg;
  }

  function renderCharts(doc) {
    var charts = $("charts");
    charts.textContent = "";
    function add(key, title, svg) {
      var fig = el("figure", { "data-chart": key });
      fig.appendChild(svg);
      fig.appendChild(el("figcaption", null, title));
      charts.appendChild(fig);
    }
    if (doc.overlay && doc.overlay_outcomes) { add("overlay", "Base vs. overlay " + doc.overlay, overlayChart(doc)); }
    (doc.positions || []).forEach(function (p) {
      if (p.omitted) { charts.appendChild(el("p", { class: "muted small", "data-omitted": p.issue }, "Positions by round: " + p.issue + ": " + p.omitted + ".")); return; }
      add("positions-" + p.issue, "Positions by round: " + p.issue + (p.unit ? " (" + p.unit + ")" : "") +
        ". One panel per model that runs rounds; dashed: the outcome after each round; dotted: the status quo.",
        positionsChart(p));
    });
  }

  // Run: one request; the table and the charts are drawn from its numbers.
  var runs = 0;
  async function run() {
    clearError(); busy(true); status("running\u2026");
    var mine = ++runs, req = request({ charts: false });
    try {
      var doc = await call("POST", "/api/forecast", req);
      if (mine !== runs || state.scenario !== req.scenario) { return; }
      renderForecast(doc);
      status("done");
    } catch (e) { if (mine === runs) { showError(e); status(""); } }
    finally { busy(false); }
  }

  // A small chart of one model's draws on one issue, on the issue's whole scale (SVG attributes only).
  function rangeBar(e, lower, upper) {
    var NS = "http://www.w3.org/2000/svg", W = 140, H = 16, span = upper - lower || 1;
    var x = function (v) { return 2 + (W - 4) * Math.min(1, Math.max(0, (v - lower) / span)); };
    var svg = document.createElementNS(NS, "svg");
    [["width", W], ["height", H], ["viewBox", "0 0 " + W + " " + H], ["class", "range-bar"], ["role", "img"]]
      .forEach(function (a) { svg.setAttribute(a[0], a[1]); });
    svg.setAttribute("aria-label", "5% " + fmt(e.q05) + ", median " + fmt(e.q50) + ", 95% " + fmt(e.q95));
    function add(tag, attrs) {
      var n = document.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      svg.appendChild(n);
    }
    add("line", { x1: 2, x2: W - 2, y1: H / 2, y2: H / 2, stroke: "#c9d0d6" });
    if (e.q05 !== null && e.q95 !== null) {
      add("rect", { x: x(e.q05), y: 4, width: Math.max(1.5, x(e.q95) - x(e.q05)), height: H - 8, fill: "#2f5d8a", "fill-opacity": 0.55 });
      add("line", { x1: x(e.q50), x2: x(e.q50), y1: 2, y2: H - 2, stroke: "#1d232a", "stroke-width": 2, class: "median" });
    }
    if (e.status_quo !== null && e.status_quo !== undefined) {
      add("line", { x1: x(e.status_quo), x2: x(e.status_quo), y1: 1, y2: H - 1, stroke: "#b00020", class: "sq" });
    }
    if (e.point !== null && e.point !== undefined) {
      var px = x(e.point);
      add("path", { d: "M" + px + " 3 L" + (px + 4) + " " + H / 2 + " L" + px + " " + (H - 3) + " L" + (px - 4) + " " + H / 2 + " Z",
        fill: e.point_outside ? "#b00020" : "#fff", stroke: "#1d232a", class: "point" });
    }
    return svg;
  }

  function renderSweep(doc) {
    var box = $("sweep-result");
    box.textContent = "";
    box.appendChild(el("h3", null, "Sweep: " + doc.draws + " draws, seed " + doc.seed + ", run " + doc.run_id +
      (doc.saved ? " (saved to the run store)" : "")));
    var t = el("table", { id: "sweep-table" });
    var models = Object.keys(doc.models);
    var head = el("tr");
    head.appendChild(el("th", null, "issue"));
    models.forEach(function (m) { head.appendChild(el("th", { class: "n" }, m + ": median [5%, 95%]")); });
    t.appendChild(head);
    var issues = Object.keys(doc.models[models[0]].issues);
    issues.forEach(function (i) {
      var tr = el("tr");
      tr.appendChild(el("td", null, i));
      models.forEach(function (m) {
        var e = doc.models[m].issues[i];
        var td = el("td", { class: "n", "data-model": m }, fmt(e.q50) + " [" + fmt(e.q05) + ", " + fmt(e.q95) + "]");
        var issue = state.doc ? state.doc.issues.find(function (x) { return x.id === i; }) : null;
        if (issue) { td.appendChild(rangeBar(e, issue.lower, issue.upper)); }
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    box.appendChild(t);
    box.appendChild(el("p", { class: "muted small", id: "sweep-key" },
      "Each bar spans the issue's whole scale: blue, 5\u201395% of the draws; black tick, their median; " +
      "diamond, the point forecast (the model on the scenario as coded; red when outside the band); " +
      "red tick, the status quo."));
  }

  async function sweep() {
    clearError(); busy(true); status("sweeping\u2026");
    var bar = $("progress");
    bar.hidden = false; bar.value = 0;
    try {
      var job = await call("POST", "/api/sweep", request({ draws: Number($("draws").value), save: $("save-run").checked }));
      for (;;) {
        await new Promise(function (ok) { setTimeout(ok, 300); });
        var st = await call("GET", "/api/sweep/" + encodeURIComponent(job.job));
        bar.max = st.total; bar.value = st.done;
        $("progress-text").textContent = st.done + " / " + st.total + " draws";
        if (st.state === "done") { renderSweep(st.result); status("sweep done"); break; }
        if (st.state === "error") { showError(st.error); status(""); break; }
      }
    } catch (e) { showError(e); status(""); }
    finally { busy(false); }
  }

  async function download(url, body, fallback) {
    clearError(); busy(true); status("preparing " + fallback + "\u2026");
    try {
      var r = await call("POST", url, body, true);
      var blob = await r.blob();
      var name = fallback;
      var cd = r.headers.get("Content-Disposition") || "";
      var m = /filename="([^"]+)"/.exec(cd);
      if (m) { name = m[1]; }
      var a = el("a", { href: URL.createObjectURL(blob), download: name });
      document.body.appendChild(a); a.click(); a.remove();
      status("downloaded " + name);
    } catch (e) { showError(e); status(""); }
    finally { busy(false); }
  }

  async function upload() {
    var f = $("upload").files[0];
    if (!f) { return; }
    clearError();
    var form = new FormData();
    form.append("file", f, f.name);
    try {
      var doc = await call("POST", "/api/scenarios", form);
      var opt = el("option", { value: doc.id }, f.name + " (uploaded)");
      $("scenario").appendChild(opt);
      $("scenario").value = doc.id;
      state.scenario = doc.id; state.last = null;
      renderScenario(doc);
      status("loaded " + f.name);
    } catch (e) { showError(e); }
    $("upload").value = "";
  }

  async function init() {
    try {
      var doc = await call("GET", "/api/scenarios");
      doc.packaged.forEach(function (s) {
        $("scenario").appendChild(el("option", { value: s.id }, s.id + (s.title ? " \u2014 " + s.title : "")));
      });
      doc.overlays.forEach(function (o) { $("overlay").appendChild(el("option", { value: o }, o)); });
      doc.models.forEach(function (m) {
        var lab = el("label", { title: m.title });
        var c = el("input", { type: "checkbox", value: m.name });
        c.checked = true;
        lab.appendChild(c); lab.appendChild(document.createTextNode(" " + m.name));
        $("models").appendChild(lab);
      });
      $("draws").max = doc.limits.max_draws;
      $("scenario").value = doc["default"];
      await loadScenario(doc["default"]);
    } catch (e) { showError(e); }
    $("scenario").addEventListener("change", function () { loadScenario($("scenario").value); });
    ["overlay", "seed", "rounds"].forEach(function (id) { $(id).addEventListener("change", stale); });
    $("models").addEventListener("change", stale);
    $("run").addEventListener("click", run);
    $("sweep").addEventListener("click", sweep);
    $("upload").addEventListener("change", upload);
    $("save-yaml").addEventListener("click", function () { download("/api/scenarios/yaml", request(), "scenario.yaml"); });
    $("download-report").addEventListener("click", function () { download("/api/report", request({ full: $("report-full").checked }), "report.html"); });
    document.body.setAttribute("data-ready", "1");
  }

  document.addEventListener("DOMContentLoaded", init);
})();
