/*
 * The planner page's investment panel: the page's requirements and year -> POST /api/invest
 * (crudeflow.invest.Portfolio.to_dict(), as `crudeflow invest --json` prints it) -> the
 * portfolio, the no-projects / cheapest-to-target comparison, what binds and the sentences.
 * Every figure is printed as the API sends it, labelled by its field name's kind: `_mt` and
 * `_musd` are totals over the horizon, `_mtpa` and `_musd_per_yr` annual rates, `capex_musd`
 * a one-off sum. Nothing is computed here: figures are shown with the decimal places the API
 * names for their unit (`display_decimals`, the library's rule: Mt to 2 places, USD m to 1).
 */
"use strict";

(function () {
  const { api, el, fmt } = window.cf;
  let places = {}; // the answer's display_decimals: decimal places by unit suffix
  const $ = (id) => document.getElementById(id);

  /** A number exactly as the API sent it (thousands separated), "–" when absent. */
  function raw(x) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    return Number(x).toLocaleString("en-GB", { maximumFractionDigits: 10 });
  }

  /** A figure rounded as the API says its unit is shown (``field`` names it: the longest
   * unit suffix it ends in, or that is followed by a qualifier as in cost_usd_per_t_moved). */
  function num(x, field) {
    const units = Object.keys(places).sort((a, b) => b.length - a.length);
    const unit = units.find((u) => field.endsWith(u) || field.includes(u + "_"));
    return unit === undefined ? raw(x) : fmt(x, places[unit]);
  }

  /** The page's current requirements (the list on the left) and year (its selector). */
  function body() {
    const requirements = Array.from($("req-list").querySelectorAll("li > code")).map((c) => c.textContent);
    const out = { requirements };
    const year = Number($("year").value);
    if ($("year").value && Number.isInteger(year)) out.year = year;
    return out;
  }

  function setState(kind, text) {
    $("invest-card").dataset.state = kind;
    $("invest-status").textContent = text;
    $("invest-status").className = "status " + kind;
  }

  const TITLES = {
    requirement_error: "That requirement cannot be read",
    unknown_route: "Unknown route",
    unknown_country: "Unknown country",
    validation_error: "Invalid input",
    busy: "The server is busy",
    solve_time_limit: "The solve took too long",
    solver_error: "The solver failed",
    body_too_large: "Request too large",
    network: "The server cannot be reached",
  };

  function showError(err) {
    $("invest-error-title").textContent = TITLES[err.type] || "Error";
    $("invest-error-message").textContent = err.message;
    $("invest-error").dataset.type = err.type || "";
    $("invest-error").hidden = false;
  }

  function td(text, cls) {
    return el("td", { class: cls || null, text });
  }

  /** "2025" or "2025–2026": the horizon as the API's period labels give it. */
  function horizon(p) {
    const periods = p.periods || [];
    if (!periods.length) return "the horizon";
    return periods.length === 1 ? periods[0] : periods[0] + "–" + periods[periods.length - 1];
  }

  function render(p) {
    places = p.display_decimals || {};
    const over = horizon(p);
    const searched = p.optimal
      ? "Cheapest proven (" + p.status + ")"
      : "Search stopped (" + p.status + "): the best found, MIP gap " + raw(p.mip_gap);
    $("invest-summary").textContent =
      searched + "; " + raw(p.candidates) + " candidate projects; discount rate " + raw(p.discount_rate) +
      "; requirements: " + (p.requirements.length ? p.requirements.join(", ") : "none") + "; horizon " +
      over + " (" + raw(p.horizon_years) + " years)." +
      (p.left_out.length ? " Left out (not in service by " + p.in_service_by + "): " + p.left_out.join(", ") + "." : "");

    const builds = $("invest-builds").querySelector("tbody");
    builds.replaceChildren();
    if (!p.builds.length) {
      builds.append(el("tr", {}, el("td", { colspan: 6, class: "empty", text: "No project is built." })));
    }
    for (const b of p.builds) {
      builds.append(
        el("tr", { "data-project": b.project }, [
          el("td", { title: b.route }, [
            el("div", { class: "rname", text: b.name + (b.hypothetical ? " (hypothetical)" : "") }),
            el("div", { class: "rid", text: b.project + " · " + b.route }),
          ]),
          td(raw(b.modules) + " of " + raw(b.modules_max), "num"),
          td(num(b.capacity_added_mtpa, "capacity_added_mtpa"), "num"),
          td(num(b.capex_musd, "capex_musd"), "num"),
          td(String(b.in_service_year), "num"),
          td(num(b.annualised_cost_musd_per_yr, "annualised_cost_musd_per_yr"), "num strong"),
        ])
      );
    }
    if (p.builds.length) {
      builds.append(
        el("tr", { class: "total" }, [
          td("Total"),
          td(""),
          td(num(p.capacity_added_mtpa, "capacity_added_mtpa"), "num"),
          td(num(p.capex_musd, "capex_musd"), "num"),
          td(p.in_service_year === null ? "–" : String(p.in_service_year), "num"),
          td(num(p.annualised_cost_musd_per_yr, "annualised_cost_musd_per_yr"), "num strong"),
        ])
      );
    }

    const a = p.no_projects;
    const b = p.portfolio;
    const rows = [
      ["Exports, Mt/yr", "exported_mtpa", a.exported_mtpa, b.exported_mtpa],
      ["Exports in " + over + ", Mt", "exported_mt", a.exported_mt, b.exported_mt],
      ["Shut in, Mt/yr", "shut_in_mtpa", a.shut_in_mtpa, b.shut_in_mtpa],
      ["Netback, USD m/yr", "netback_musd_per_yr", a.netback_musd_per_yr, b.netback_musd_per_yr],
      ["Netback in " + over + ", USD m", "netback_musd", a.netback_musd, b.netback_musd],
      ["Annualised cost, USD m/yr", "annualised_cost_musd_per_yr", 0, p.annualised_cost_musd_per_yr],
      ["Annualised cost in " + over + ", USD m", "annualised_cost_musd", 0, p.annualised_cost_musd],
      ["Netback gained, USD m/yr", "netback_gain_musd_per_yr", null, p.netback_gain_musd_per_yr],
      ["Net cost (cost − netback gained), USD m/yr", "net_cost_musd_per_yr", null, p.net_cost_musd_per_yr],
      ["Annualised cost per t/yr of capacity added, USD/t", "cost_usd_per_t", null, p.cost_usd_per_t],
      ["Extra Mt/yr reaching the targets", "target_gain_mtpa", null, p.target_gain_mtpa],
      ["Annualised cost per extra t/yr reaching the targets, USD/t", "cost_usd_per_t_moved", null, p.cost_usd_per_t_moved],
    ];
    const compare = $("invest-compare").querySelector("tbody");
    compare.replaceChildren(
      ...rows.map(([label, field, x, y]) =>
        el("tr", {}, [td(label), td(x === null ? "–" : num(x, field), "num"), td(num(y, field), "num strong")])
      )
    );
    const short = (c) =>
      c.shortfalls.length
        ? c.shortfalls.map((s) => s.requirement + ": " + raw(s.achieved) + " reached, " + raw(s.shortfall) + " short").join("; ")
        : "none";
    compare.append(el("tr", { class: "shortfalls" }, [td("Requirements missed"), td(short(a)), td(short(b))]));

    const binding = $("invest-binding").querySelector("tbody");
    binding.replaceChildren();
    if (!p.binding.length) {
      binding.append(el("tr", {}, el("td", { colspan: 4, class: "empty", text: "No binding route." })));
    }
    for (const x of p.binding) {
      binding.append(
        el("tr", { "data-route": x.route }, [
          el("td", { title: x.route }, [el("div", { class: "rname", text: x.name }), el("div", { class: "rid", text: x.route })]),
          td(num(x.flow_mtpa, "flow_mtpa"), "num"),
          td(num(x.capacity_mtpa, "capacity_mtpa"), "num"),
          td(num(x.value_usd_per_t, "value_usd_per_t"), "num strong"),
        ])
      );
    }
    if (p.shortfall_routes.length) {
      binding.append(el("tr", {}, el("td", { colspan: 4, text: "Capacity that would shrink the shortfall: " + p.shortfall_routes.join(", ") })));
    }

    $("invest-sentences").replaceChildren(...p.sentences.map((s) => el("li", { text: s })));
    $("invest-result").hidden = false;
  }

  async function run() {
    const button = $("invest-run");
    button.disabled = true;
    $("invest-error").hidden = true;
    setState("loading", "choosing projects…");
    try {
      const p = await api("/api/invest", { json: body() });
      render(p);
      setState("ready", "solved in " + raw((p.timings_s || {}).total_s) + " s");
    } catch (err) {
      if (!(err instanceof window.cf.ApiError)) {
        err = { type: "network", message: String(err.message || err), detail: {} };
      }
      $("invest-result").hidden = true;
      showError(err);
      setState("error", "error");
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => $("invest-run").addEventListener("click", run));
})();
