/* The crudeflow planner page: controls -> POST /api/plan -> headline, map, tables. */
"use strict";

(function () {
  const { api, fmt, pct, el } = window.cf;

  const FONT =
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", ' +
    '"Liberation Sans", sans-serif';
  const COLOURS = { via: "#d9480f", bypass: "#1971c2", domestic: "#5c7080" };
  const CLOSED = "#b8c0c8";
  // ISO 3166 alpha-2 -> alpha-3 for shading avoided countries on the map
  const ISO3 = {
    AM: "ARM", AT: "AUT", AZ: "AZE", BG: "BGR", BY: "BLR", CN: "CHN", CZ: "CZE", DE: "DEU",
    ES: "ESP", FR: "FRA", GE: "GEO", GR: "GRC", HU: "HUN", IN: "IND", IR: "IRN", IT: "ITA",
    KG: "KGZ", KZ: "KAZ", LT: "LTU", LV: "LVA", NL: "NLD", PL: "POL", PT: "PRT", RO: "ROU",
    RU: "RUS", SK: "SVK", TJ: "TJK", TM: "TKM", TR: "TUR", UA: "UKR", US: "USA", UZ: "UZB",
    EE: "EST", FI: "FIN", BE: "BEL", GB: "GBR", EG: "EGY", CY: "CYP", MT: "MLT", SE: "SWE",
  };

  const state = {
    meta: null,
    routes: [],
    nodes: [],
    nodeById: {},
    routeById: {},
    lastError: null,
    year: null,
    monthly: false,
    avoid: new Set(),
    requirements: [],
    caps: {},
    preset: null,
    presets: [],
    plan: null,
    seq: 0,
    controller: null,
  };

  const $ = (id) => document.getElementById(id);
  let debounceTimer = null;

  // ---------------------------------------------------------------- errors and status
  function setStatus(kind, text) {
    document.body.dataset.state = kind;
    $("status").textContent = text;
    $("status").className = "status " + kind;
  }

  function showError(err) {
    const box = $("error-box");
    const d = err.detail || {};
    const titles = {
      requirement_error: "That requirement cannot be read",
      infeasible: "The requirements cannot be met",
      unknown_route: "Unknown route",
      unknown_country: "Unknown country",
      scenario_error: "The scenario does not fit the network",
      validation_error: "Invalid input",
      busy: "The server is busy",
      solve_time_limit: "The solve took too long",
      solver_error: "The solver failed",
      body_too_large: "Request too large",
      duplicate_requirement: "Requirement already listed",
    };
    $("error-title").textContent = titles[err.type] || "Error";
    $("error-message").textContent = err.message;
    const pointer = $("error-pointer");
    if (typeof d.position === "number" && typeof d.requirement === "string") {
      pointer.textContent = d.requirement + "\n" + " ".repeat(d.position) + "^";
      pointer.hidden = false;
    } else {
      pointer.hidden = true;
    }
    box.dataset.type = err.type || "";
    box.hidden = false;
    state.lastError = err;
  }

  function clearError() {
    $("error-box").hidden = true;
    $("req-input").removeAttribute("aria-invalid");
  }

  // ---------------------------------------------------------------- requests
  function planBody(overrides) {
    return Object.assign(
      {
        year: state.year,
        monthly: state.monthly,
        avoid: Array.from(state.avoid).sort(),
        requirements: state.requirements.slice(),
        capacity_overrides: Object.assign({}, state.caps),
        preset: state.preset || null,
      },
      overrides || {}
    );
  }

  /** Solve with the current controls (plus overrides); true when a plan came back. */
  async function solve(overrides) {
    const seq = ++state.seq;
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    setStatus("loading", "solving…");
    const body = planBody(overrides);
    const t0 = performance.now();
    try {
      const plan = await api("/api/plan", { json: body, signal: controller.signal });
      if (seq !== state.seq) return false;
      clearError();
      state.plan = plan;
      render(plan);
      const ms = Math.round(performance.now() - t0);
      const solveMs = Math.max(1, Math.round(1000 * ((plan.timings_s || {}).total_s || 0)));
      setStatus("ready", "solved in " + solveMs + " ms");
      writeUrl(body);
      $("status").title = "HiGHS " + solveMs + " ms; round trip and drawing " + ms + " ms";
      updateBypass(body, seq);
      return true;
    } catch (err) {
      if (err.name === "AbortError" || seq !== state.seq) return false;
      if (!(err instanceof window.cf.ApiError)) {
        err = { type: "network", message: String(err.message || err), detail: {} };
      }
      showError(err);
      setStatus("error", "error");
      return false;
    }
  }

  function solveSoon() {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => solve(), 180);
  }

  async function updateBypass(body, seq) {
    const note = $("bypass-note");
    if (!body.avoid.length) {
      note.hidden = true;
      return;
    }
    try {
      const b = await api("/api/bypass", {
        json: { avoid: body.avoid, year: body.year, capacity_overrides: body.capacity_overrides },
      });
      if (seq !== state.seq) return;
      const cut = b.cut_routes.length ? " Limited by " + b.cut_routes.join(", ") + "." : "";
      note.textContent =
        "Avoiding " + body.avoid.join(", ") + ": at most " + fmt(b.max_mtpa, 1) +
        " Mt/yr (" + fmt(b.max_kbd, 0) + " kb/d) of " + fmt(b.available_mtpa, 1) +
        " Mt/yr can leave (max-flow)." + cut;
      note.hidden = false;
    } catch (err) {
      note.hidden = true;
    }
  }

  // ---------------------------------------------------------------- rendering
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /** "2025", "Oct–Dec 2025" or "Nov 2025–Jan 2026" from the API's horizon_start/horizon_end. */
  function horizonLabel(start, end) {
    const [y1, m1] = start.split("-");
    const [y2, m2] = end.split("-");
    const a = MONTHS[Number(m1) - 1];
    const b = MONTHS[Number(m2) - 1];
    if (y1 === y2 && m1 === "01" && m2 === "12") return y1;
    if (y1 === y2) return (m1 === m2 ? a : a + "–" + b) + " " + y1;
    return a + " " + y1 + "–" + b + " " + y2;
  }

  /** "in 2025" or "over Oct–Dec 2025": the words after a horizon total. */
  function overHorizon(plan) {
    const label = horizonLabel(plan.horizon_start, plan.horizon_end);
    return (/^\d{4}$/.test(label) ? "in " : "over ") + label;
  }

  /**
   * The headline shows the figures the API gives, each with its kind: horizon totals
   * (exported_mt, shut_in_mt, netback_musd: "Mt over Oct–Dec 2025") and annual rates
   * (exported_mtpa, netback_musd_per_yr: "Mt/yr"). Nothing is derived here.
   */
  function render(plan) {
    const over = overHorizon(plan);
    const fullYear = plan.horizon_months === 12;
    $("horizon").replaceChildren("Horizon: ", el("strong", { text: horizonLabel(plan.horizon_start, plan.horizon_end) }),
      " (" + plan.horizon_months + (plan.horizon_months === 1 ? " month" : " months") + ")");
    $("horizon").dataset.start = plan.horizon_start;
    $("horizon").dataset.end = plan.horizon_end;
    $("kpi-exported-label").textContent = fullYear ? "Exported" : "Exported " + over;
    $("kpi-shutin-label").textContent = fullYear ? "Shut in" : "Shut in " + over;
    if (fullYear) {
      $("kpi-exported").textContent = fmt(plan.exported_mtpa, 1);
      $("kpi-exported-unit").textContent = "Mt/yr";
      $("kpi-exported-sub").textContent =
        "of " + fmt(plan.available_mtpa, 1) + " Mt/yr available " + over;
      $("kpi-shutin").textContent = fmt(plan.shut_in_mtpa, 1);
      $("kpi-shutin-unit").textContent = "Mt/yr";
      $("kpi-shutin-sub").textContent =
        plan.shut_in_mt > 1e-6 ? fmt(plan.shut_in_mt, 2) + " Mt " + over : "nothing shut in";
    } else {
      $("kpi-exported").textContent = fmt(plan.exported_mt, 2);
      $("kpi-exported-unit").textContent = "Mt";
      $("kpi-exported-sub").textContent =
        "of " + fmt(plan.available_mt, 2) + " Mt available; annualised " +
        fmt(plan.exported_mtpa, 1) + " of " + fmt(plan.available_mtpa, 1) + " Mt/yr";
      $("kpi-shutin").textContent = fmt(plan.shut_in_mt, 2);
      $("kpi-shutin-unit").textContent = "Mt";
      $("kpi-shutin-sub").textContent =
        plan.shut_in_mt > 1e-6 ? "annualised " + fmt(plan.shut_in_mtpa, 1) + " Mt/yr" : "nothing shut in";
    }
    $("kpi-shutin").parentElement.parentElement.classList.toggle(
      "alert", plan.shut_in_mt > 0.005 * plan.available_mt);
    $("kpi-kbd").textContent = fmt(plan.exported_kbd, 0);
    $("kpi-kbd-sub").textContent = "at the default grade" + (fullYear ? "" : ", average " + over);
    $("kpi-netback").textContent = fmt(plan.netback_usd_per_t, 1);
    const cost = plan.requirement_cost_musd;
    $("kpi-netback-sub").replaceChildren(
      el("span", { id: "kpi-netback-total", text: "USD " + fmt(plan.netback_musd / 1000, 2) + " bn " + over }),
      fullYear ? "" : el("span", { id: "kpi-netback-rate", class: "rate",
        text: "; annualised USD " + fmt(plan.netback_musd_per_yr / 1000, 2) + " bn/yr" }),
      cost !== null && cost > 0.5
        ? el("span", { class: "cost", text: "−USD " + fmt(cost / 1000, 2) + " bn " + over + " for the requirements" })
        : ""
    );
    $("routes-flow-unit").textContent = fullYear ? "Mt/yr" : "Mt/yr, annualised";

    renderBottlenecks(plan);
    renderExplanations(plan);
    renderRoutes(plan);
    drawMap(plan);
  }

  function renderBottlenecks(plan) {
    const tbody = $("bottlenecks").querySelector("tbody");
    tbody.replaceChildren();
    if (!plan.bottlenecks.length) {
      tbody.append(el("tr", {}, el("td", { colspan: 4, class: "empty", text: "No binding route or terminal." })));
      return;
    }
    for (const b of plan.bottlenecks.slice(0, 8)) {
      // kind "node": the loading limit of a terminal, shared by every route leaving it
      const what =
        b.kind === "node"
          ? "terminal " + b.route + " · loading limit of all routes leaving it"
          : b.kind === "fleet"
            ? "tankers on " + b.route + " · what the fleet carries (fleet.csv)"
            : b.route;
      tbody.append(
        el("tr", { "data-kind": b.kind }, [
          el("td", { title: b.route }, [el("div", { class: "rname", text: b.name }),
            el("div", { class: "rid", text: what })]),
          el("td", { class: "num", text: fmt(b.capacity_mtpa, 2) }),
          el("td", { class: "num", text: pct(b.utilisation) }),
          el("td", { class: "num strong", text: fmt(b.value_usd_per_t, 1) }),
        ])
      );
    }
  }

  function renderExplanations(plan) {
    const ul = $("explanations");
    ul.replaceChildren(...plan.explanations.map((s) => el("li", { text: s })));
    const rows = plan.requirement_status;
    $("req-status-wrap").hidden = rows.length === 0;
    const tbody = $("req-status").querySelector("tbody");
    tbody.replaceChildren();
    for (const r of rows) {
      const achieved =
        r.kind === "avoid" ? "—" : r.kind === "share" ? pct(r.achieved) : fmt(r.achieved, 1) + " Mt/yr";
      const status =
        r.kind === "avoid"
          ? el("span", { class: "tag ok", text: "applied" })
          : r.met
            ? el("span", { class: "tag ok", text: "met" })
            : el("span", { class: "tag bad", text: "short by " + fmt(r.shortfall, 1) });
      tbody.append(el("tr", {}, [el("td", {}, el("code", { text: r.requirement })),
        el("td", { class: "num", text: achieved }), el("td", {}, status)]));
    }
  }

  function renderRoutes(plan) {
    const tbody = $("routes").querySelector("tbody");
    tbody.replaceChildren();
    const rows = plan.routes.slice().sort((a, b) => b.flow_mtpa - a.flow_mtpa);
    for (const r of rows) {
      const closed = r.closed_by || r.status !== "operating";
      const corridor = (state.routeById[r.route] || {}).corridor || "domestic";
      tbody.append(
        el("tr", { class: closed ? "closed" : "" }, [
          el("td", { title: r.route }, [
            el("i", { class: "sw " + (closed ? "closed" : corridor) }),
            el("span", { class: "rname", text: r.name }),
          ]),
          el("td", { class: "countries", text: String(r.countries).split(";").join(" → ") }),
          el("td", { class: "num strong", text: fmt(r.flow_mtpa, 2) }),
          el("td", { class: "num", text: fmt(r.capacity_mtpa, 2) }),
          el("td", { class: "num", text: closed ? (r.closed_by ? "avoided" : r.status) : pct(r.utilisation) }),
          el("td", { class: "num", text: fmt(r.tariff_usd_per_t, 1) }),
        ])
      );
    }
  }

  // ---------------------------------------------------------------- map
  /**
   * Lon/lat ranges around the nodes, widened to the map's aspect ratio (Mercator). Plotly fits
   * a range box whose top edge is four great-circle arcs, each bulging poleward to
   * atan(tan(lat) / cos(dlon / 8)); the widening iterates to take that into account.
   */
  function bounds(width, height) {
    const lons = state.nodes.map((n) => n.lon);
    const lats = state.nodes.map((n) => n.lat);
    let lon = [Math.min(...lons) - 4, Math.max(...lons) + 4];
    let lat = [Math.max(Math.min(...lats) - 3, -75), Math.min(Math.max(...lats) + 4, 75)];
    const rad = Math.PI / 180;
    const merc = (d) => Math.log(Math.tan(Math.PI / 4 + (d * rad) / 2));
    const inv = (y) => (2 * Math.atan(Math.exp(y)) - Math.PI / 2) / rad;
    const top = (lat1, dlon) => Math.atan(Math.tan(lat1 * rad) / Math.cos((dlon * rad) / 2)) / rad;
    const want = width / height;
    const ySpan = (dlon) => merc(Math.min(top(lat[1], dlon / 4), 85)) - merc(lat[0]);
    let dlon = lon[1] - lon[0];
    if ((dlon * rad) / ySpan(dlon) < want) {
      for (let i = 0; i < 20; i++) dlon = Math.min((ySpan(dlon) * want) / rad, 300);
      const mid = (lon[0] + lon[1]) / 2;
      lon = [mid - dlon / 2, mid + dlon / 2];
    } else {
      const mid = (merc(lat[0]) + merc(lat[1])) / 2;
      const half = (dlon * rad) / want / 2;
      lat = [Math.max(inv(mid - half), -80), Math.min(inv(mid + half), 80)];
    }
    return { lon, lat };
  }

  function drawMap(plan) {
    const flows = {};
    for (const r of (plan && plan.routes) || []) flows[r.route] = r;
    const maxFlow = Math.max(1e-9, ...Object.values(flows).map((r) => r.flow_mtpa));
    const hasTopo = Boolean(state.meta.topojson);
    const traces = [];

    if (hasTopo && state.avoid.size) {
      const locs = Array.from(state.avoid).map((c) => ISO3[c]).filter(Boolean);
      traces.push({
        type: "choropleth",
        locationmode: "ISO-3",
        locations: locs,
        z: locs.map(() => 1),
        colorscale: [[0, "#ffe3e3"], [1, "#ffe3e3"]],
        showscale: false,
        marker: { line: { color: "#fa5252", width: 0.8 } },
        hoverinfo: "skip",
        name: "avoided",
      });
    }

    const lines = state.routes.map((r) => {
      const row = flows[r.id];
      const flow = row ? row.flow_mtpa : 0;
      const closed = row ? Boolean(row.closed_by) || row.status !== "operating" : r.status !== "operating";
      const active = flow > 1e-6;
      const width = active ? 1.6 + 9 * Math.sqrt(flow / maxFlow) : 1.2;
      return { r, row, flow, closed, active, width };
    });
    lines.sort((a, b) => b.width - a.width);
    for (const l of lines) {
      const a = state.nodeById[l.r.from];
      const b = state.nodeById[l.r.to];
      traces.push({
        type: "scattergeo",
        mode: "lines",
        lon: [a.lon, b.lon],
        lat: [a.lat, b.lat],
        line: {
          width: l.width,
          color: l.closed && !l.active ? CLOSED : COLOURS[l.r.corridor],
          dash: l.closed ? "dot" : l.active ? "solid" : "dash",
        },
        opacity: l.active ? 0.85 : 0.55,
        hoverinfo: "skip",
        showlegend: false,
        name: "route " + l.r.id,
        meta: "route",
      });
    }

    // invisible markers at mid-points carry the hover text of each route
    traces.push({
      type: "scattergeo",
      mode: "markers",
      lon: lines.map((l) => (state.nodeById[l.r.from].lon + state.nodeById[l.r.to].lon) / 2),
      lat: lines.map((l) => (state.nodeById[l.r.from].lat + state.nodeById[l.r.to].lat) / 2),
      marker: { size: 12, color: "rgba(0,0,0,0)" },
      hovertemplate: lines.map((l) => {
        const cap = l.row ? l.row.capacity_mtpa : l.r.capacity_mtpa;
        const use = l.row && l.row.utilisation !== null ? " (" + pct(l.row.utilisation) + ")" : "";
        return (
          "<b>" + escapeHtml(l.r.name) + "</b><br>" + l.r.from + " → " + l.r.to + " · " + l.r.mode +
          "<br>flow " + fmt(l.flow, 2) + " of " + fmt(cap, 2) + " Mt/yr" + use +
          "<br>" + l.r.countries.join(" → ") + (l.closed ? "<br><i>closed</i>" : "") +
          "<extra></extra>"
        );
      }),
      showlegend: false,
      name: "route hover",
    });

    const symbols = { field: "circle", hub: "circle", port: "square", terminal: "square",
      market: "diamond", border: "triangle-up", refinery: "pentagon" };
    const labelled = new Set(["market"]);
    traces.push({
      type: "scattergeo",
      mode: "markers+text",
      lon: state.nodes.map((n) => n.lon),
      lat: state.nodes.map((n) => n.lat),
      text: state.nodes.map((n) => (labelled.has(n.kind) ? shortName(n) : "")),
      textposition: "top center",
      textfont: { size: 10, color: "#495057", family: FONT },
      marker: {
        size: state.nodes.map((n) => (n.kind === "market" ? 11 : n.kind === "field" ? 8 : 7)),
        symbol: state.nodes.map((n) => symbols[n.kind] || "circle"),
        color: state.nodes.map((n) => (n.kind === "market" ? "#5f3dc4" : n.kind === "field" ? "#2b8a3e" : "#343a40")),
        line: { color: "#fff", width: 1 },
      },
      hovertemplate: state.nodes.map(
        (n) => "<b>" + escapeHtml(n.name) + "</b><br>" + n.id + " · " + n.kind + (n.country ? " · " + n.country : "") + "<extra></extra>"
      ),
      showlegend: false,
      name: "nodes",
    });

    const mapDiv = $("map");
    const bb = bounds(mapDiv.clientWidth || 900, 470);
    const layout = {
      uirevision: "map",
      margin: { l: 0, r: 0, t: 0, b: 0 },
      height: 470,
      paper_bgcolor: "rgba(0,0,0,0)",
      font: { family: FONT, size: 12, color: "#212529" },
      hoverlabel: { font: { family: FONT, size: 12 }, bgcolor: "#fff", bordercolor: "#ced4da" },
      showlegend: false,
      geo: {
        scope: "world",
        resolution: 50,
        projection: { type: "mercator" },
        lonaxis: { range: bb.lon },
        lataxis: { range: bb.lat },
        showframe: false,
        showland: hasTopo,
        landcolor: "#f1efe9",
        showocean: hasTopo,
        oceancolor: "#dcebf5",
        showlakes: hasTopo,
        lakecolor: "#dcebf5",
        showcountries: hasTopo,
        countrycolor: "#a8b0b8",
        countrywidth: 0.6,
        showcoastlines: hasTopo,
        coastlinecolor: "#8d99a6",
        coastlinewidth: 0.5,
        showrivers: false,
        showsubunits: false,
        bgcolor: hasTopo ? "#dcebf5" : "#f8f9fa",
      },
    };
    const config = {
      displaylogo: false,
      responsive: true,
      scrollZoom: false,
      topojsonURL: window.location.origin + "/static/topojson/",
      modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"],
    };
    return window.Plotly.react("map", traces, layout, config);
  }

  function shortName(n) {
    const s = n.name.split(/[,(]/)[0].trim();
    return s.length > 22 ? s.slice(0, 21) + "…" : s;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  // ---------------------------------------------------------------- controls
  function buildYear() {
    const sel = $("year");
    const years = state.meta.years.length ? state.meta.years : [state.meta.base_year];
    sel.replaceChildren(...years.map((y) => el("option", { value: y, text: y })));
    sel.value = String(state.year);
    sel.addEventListener("change", () => {
      state.year = Number(sel.value);
      solve();
    });
    $("monthly").addEventListener("change", (e) => {
      state.monthly = e.target.checked;
      solve();
    });
  }

  function buildAvoid() {
    const box = $("avoid-list");
    box.replaceChildren();
    for (const code of state.meta.countries) {
      const id = "avoid-" + code;
      const input = el("input", { type: "checkbox", id, value: code, "data-country": code });
      input.addEventListener("change", () => {
        if (input.checked) state.avoid.add(code);
        else state.avoid.delete(code);
        solve();
      });
      box.append(
        el("label", { class: "avoid-item", for: id, title: state.meta.country_names[code] || code }, [
          input,
          el("span", { class: "code", text: code }),
          el("span", { class: "cname", text: state.meta.country_names[code] || "" }),
        ])
      );
    }
  }

  function renderRequirements() {
    const ul = $("req-list");
    ul.replaceChildren();
    state.requirements.forEach((text, i) => {
      ul.append(
        el("li", {}, [
          el("code", { text }),
          el("button", {
            type: "button",
            class: "remove",
            title: "Remove",
            "aria-label": "Remove requirement " + text,
            text: "×",
            onclick: () => {
              state.requirements.splice(i, 1);
              renderRequirements();
              solve();
            },
          }),
        ])
      );
    });
  }

  function buildRequirements() {
    $("req-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const input = $("req-input");
      const text = input.value.trim();
      if (!text) return;
      const norm = (t) => t.split(/\s+/).join(" ");
      if (state.requirements.some((r) => norm(r) === norm(text))) {
        showError({ type: "duplicate_requirement", message: "“" + text + "” is already listed.", detail: {} });
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      const candidate = state.requirements.concat([text]);
      const ok = await solve({ requirements: candidate });
      if (ok) {
        state.requirements = candidate;
        input.value = "";
        renderRequirements();
      } else {
        input.setAttribute("aria-invalid", "true");
        input.focus();
        const d = (state.lastError && state.lastError.detail) || {};
        if (typeof d.position === "number" && d.requirement === text) {
          const start = input.value.indexOf(text) + d.position;
          input.setSelectionRange(start, input.value.length);
        }
      }
    });
  }

  function buildSliders() {
    const box = $("sliders");
    box.replaceChildren();
    for (const r of state.routes) {
      const cap = r.capacity_mtpa;
      const max = Math.max(2 * cap, 1);
      const step = max >= 20 ? 0.5 : max >= 4 ? 0.1 : 0.05;
      const input = el("input", {
        type: "range", min: 0, max: max, step: step, value: cap,
        id: "cap-" + r.id, "data-route": r.id, "aria-label": "Capacity of " + r.name,
      });
      const out = el("output", { for: "cap-" + r.id, text: fmt(cap, 1) });
      const row = el("div", { class: "slider", "data-route": r.id,
        "data-search": (r.id + " " + r.name + " " + r.countries.join(" ")).toLowerCase() }, [
        el("div", { class: "slider-top" }, [
          el("i", { class: "sw " + (r.status !== "operating" ? "closed" : r.corridor) }),
          el("span", { class: "slider-name", title: r.name + " (" + r.id + ")", text: r.name }),
          out,
        ]),
        input,
      ]);
      input.addEventListener("input", () => {
        const v = Number(input.value);
        out.textContent = fmt(v, 1);
        if (Math.abs(v - cap) < 1e-9) delete state.caps[r.id];
        else state.caps[r.id] = v;
        row.classList.toggle("changed", r.id in state.caps);
        solveSoon();
      });
      box.append(row);
    }
    $("route-filter").addEventListener("input", (e) => {
      const q = e.target.value.trim().toLowerCase();
      for (const row of box.children) row.hidden = q !== "" && !row.dataset.search.includes(q);
    });
    $("reset-caps").addEventListener("click", () => {
      resetSliders();
      solve();
    });
  }

  function resetSliders() {
    state.caps = {};
    for (const input of $("sliders").querySelectorAll("input[type=range]")) {
      const r = state.routeById[input.dataset.route];
      input.value = r.capacity_mtpa;
      input.closest(".slider").classList.remove("changed");
      input.closest(".slider").querySelector("output").textContent = fmt(r.capacity_mtpa, 1);
    }
  }

  function buildPresets(presets) {
    const sel = $("preset");
    state.presets = presets;
    if (!presets.length) return;
    sel.replaceChildren(
      el("option", { value: "", text: "Choose a preset…" }),
      ...presets.map((p) => el("option", {
        value: p.id,
        text: p.horizon_start ? p.title + " (" + horizonLabel(p.horizon_start, p.horizon_end) + ")" : p.title,
        title: p.description,
      }))
    );
    sel.disabled = false;
    sel.addEventListener("change", () => {
      const id = sel.value || null;
      resetAll(false);
      setPreset(id);
      solve();
    });
  }

  /** Select a preset (or none): the year and monthly controls follow its horizon. */
  function setPreset(id) {
    const p = (state.presets || []).find((x) => x.id === id) || null;
    state.preset = p ? p.id : null;
    const sel = $("preset");
    if (sel.options.length) sel.value = p ? p.id : "";
    sel.title = p ? p.description + " (" + p.horizon + ")" : "";
    if (p) {
      if (p.year !== null && !Array.from($("year").options).some((o) => o.value === String(p.year))) {
        $("year").append(el("option", { value: p.year, text: p.year }));
      }
      state.year = p.year !== null ? p.year : state.year;
      state.monthly = Boolean(p.monthly);
    }
    $("year").disabled = Boolean(p);
    $("monthly").disabled = Boolean(p);
    $("year").title = p ? "set by the preset (" + p.horizon + ")" : "";
    syncControls();
  }

  function syncControls() {
    for (const input of $("avoid-list").querySelectorAll("input")) input.checked = state.avoid.has(input.value);
    renderRequirements();
    $("year").value = String(state.year);
    $("monthly").checked = state.monthly;
  }

  function resetAll(andSolve) {
    state.avoid.clear();
    state.requirements = [];
    state.year = state.meta.base_year;
    state.monthly = false;
    setPreset(null);
    resetSliders();
    syncControls();
    clearError();
    if (andSolve) solve();
  }

  // ---------------------------------------------------------------- state in the URL
  /** The view as a URL fragment: #preset=..&year=..&monthly=1&avoid=RU,TR&req=..&cap=ID:5 */
  function writeUrl(body) {
    const q = new URLSearchParams();
    if (body.preset) q.set("preset", body.preset);
    else {
      if (body.year !== null && body.year !== state.meta.base_year) q.set("year", String(body.year));
      if (body.monthly) q.set("monthly", "1");
    }
    if (body.avoid.length) q.set("avoid", body.avoid.join(","));
    for (const r of body.requirements) q.append("req", r);
    for (const [id, v] of Object.entries(body.capacity_overrides).sort()) q.append("cap", id + ":" + v);
    const hash = q.toString();
    const url = window.location.pathname + window.location.search + (hash ? "#" + hash : "");
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      history.replaceState(null, "", url);
    }
  }

  /** Restore the view from the URL fragment (unknown countries, routes and years are skipped). */
  function readUrl() {
    const q = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    resetAll(false);
    const year = Number(q.get("year"));
    if (q.has("year") && Array.from($("year").options).some((o) => o.value === String(year))) {
      state.year = year;
    }
    state.monthly = q.get("monthly") === "1";
    for (const c of (q.get("avoid") || "").split(",")) {
      if (state.meta.countries.includes(c.toUpperCase())) state.avoid.add(c.toUpperCase());
    }
    state.requirements = Array.from(new Set(q.getAll("req").filter((r) => r.trim())));
    for (const pair of q.getAll("cap")) {
      const i = pair.lastIndexOf(":");
      const id = pair.slice(0, i);
      const v = Number(pair.slice(i + 1));
      const input = $("sliders").querySelector('input[data-route="' + CSS.escape(id) + '"]');
      if (i > 0 && input && Number.isFinite(v) && v >= 0) {
        state.caps[id] = v;
        input.value = v;
        input.closest(".slider").classList.add("changed");
        input.closest(".slider").querySelector("output").textContent = fmt(v, 1);
      }
    }
    if (q.get("preset")) setPreset(q.get("preset"));
    syncControls();
  }

  // ---------------------------------------------------------------- downloads
  /** Download the plan as the API exports it (CSV: the route table; JSON: the plan). */
  async function download(format) {
    try {
      const res = await fetch("/api/plan/export?format=" + format, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(planBody()),
      });
      if (!res.ok) {
        let body = null;
        try { body = await res.json(); } catch (e) { body = null; }
        throw new window.cf.ApiError(res.status, body);
      }
      const disposition = res.headers.get("Content-Disposition") || "";
      const m = /filename="([^"]+)"/.exec(disposition);
      const url = URL.createObjectURL(await res.blob());
      const a = el("a", { href: url, download: m ? m[1] : "crudeflow-plan." + format, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      showError(err instanceof window.cf.ApiError ? err : { type: "network", message: String(err), detail: {} });
    }
  }

  // ---------------------------------------------------------------- start
  async function start() {
    try {
      const [network, presets] = await Promise.all([api("/api/network"), api("/api/presets")]);
      state.meta = network.metadata;
      for (const f of network.features) {
        const p = Object.assign({}, f.properties);
        if (p.feature === "node") {
          p.lon = f.geometry.coordinates[0];
          p.lat = f.geometry.coordinates[1];
          state.nodes.push(p);
        } else {
          state.routes.push(p);
        }
      }
      state.nodeById = Object.fromEntries(state.nodes.map((n) => [n.id, n]));
      state.routeById = Object.fromEntries(state.routes.map((r) => [r.id, r]));
      state.year = state.meta.base_year;
      $("dataset-title").textContent = state.meta.title || state.meta.dataset;
      $("legend-domestic").textContent = "inside " + (state.meta.producer_name || state.meta.producer);
      // the dataset's watched country or passage (dataset.yaml 'watch'); none: cross-border
      $("legend-via").textContent = state.meta.watch ? "via " + (state.meta.watch_name || state.meta.watch) : "";
      $("legend-via-item").hidden = !state.meta.watch;
      $("legend-bypass").textContent = state.meta.watch ? "bypass" : "cross-border";
      document.title = (state.meta.title || state.meta.dataset) + " · crudeflow";
      buildYear();
      buildAvoid();
      buildRequirements();
      buildSliders();
      buildPresets(presets);
      $("reset-all").addEventListener("click", () => resetAll(true));
      $("download-csv").addEventListener("click", () => download("csv"));
      $("download-json").addEventListener("click", () => download("json"));
      readUrl();
      window.addEventListener("hashchange", () => {
        readUrl();
        solve();
      });
      await drawMap(null);
      await solve();
    } catch (err) {
      showError(err instanceof window.cf.ApiError ? err : { type: "network", message: String(err), detail: {} });
      setStatus("error", "error");
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
