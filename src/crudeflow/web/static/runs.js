/* The runs page: stored runs (GET /api/runs), one run's charts (GET /api/runs/{id}, plotly
   figures made by the server: this page computes nothing), and a small run started here
   (POST /api/runs, then GET /api/runs/active until it is done). */
"use strict";

(function () {
  const { api, el, fmt, pct } = window.cf;
  const POLL_MS = 300;
  const PLOT_CONFIG = { displaylogo: false, responsive: true, scrollZoom: false };
  let polling = false;

  function showError(err) {
    document.getElementById("error-message").textContent = err.message;
    document.getElementById("error-box").hidden = false;
  }

  function clearError() {
    document.getElementById("error-box").hidden = true;
  }

  function renderList(runs) {
    const box = document.getElementById("runs");
    box.replaceChildren();
    if (!runs.length) {
      box.append(
        el("div", { class: "empty-state", id: "runs-empty" }, [
          el("h3", { text: "No runs stored yet" }),
          el("p", {}, ["Start one above, or run ", el("code", { text: "crudeflow risk" }),
            " with this server's store."]),
        ])
      );
      return;
    }
    const tbody = el("tbody");
    for (const r of runs) {
      tbody.append(
        el("tr", { "data-run": r.id }, [
          el("td", {}, [el("div", { class: "rname", text: r.title }), el("div", { class: "rid", text: r.id })]),
          el("td", { text: new Date(r.created_at).toLocaleString("en-GB") }),
          el("td", { text: r.status }),
          el("td", { class: "num", text: fmt(r.draws_stored, 0) + " / " + fmt(r.draws, 0) }),
          el("td", { class: "num", text: String(r.seed) }),
          el("td", {}, [el("div", { class: "progress", title: pct(r.progress) },
            el("div", { style: "width:" + Math.round(r.progress * 100) + "%" }))]),
          el("td", {}, el("button", { type: "button", class: "show-run", onclick: () => showRun(r.id), text: "Show" })),
        ])
      );
    }
    box.append(
      el("div", { class: "table-wrap" }, el("table", { class: "table", id: "runs-table" }, [
        el("thead", {}, el("tr", {}, [
          el("th", { text: "Run" }), el("th", { text: "Started" }), el("th", { text: "Status" }),
          el("th", { class: "num", text: "Draws" }), el("th", { class: "num", text: "Seed" }),
          el("th", { text: "Stored" }), el("th", { text: "" }),
        ])),
        tbody,
      ]))
    );
  }

  async function refreshList() {
    renderList(await api("/api/runs"));
  }

  async function showRun(id) {
    document.body.dataset.state = "loading";
    try {
      const v = await api("/api/runs/" + encodeURIComponent(id));
      clearError();
      history.replaceState(null, "", "#run=" + encodeURIComponent(id));
      document.getElementById("run-title").textContent = v.title;
      const run = v.run;
      document.getElementById("run-meta").textContent =
        "Run " + run.run_id + " · " + run.status + " · " + fmt(v.draws_stored, 0) +
        " draws per scenario · seed " + run.seed + " · losses are totals over " + v.horizon_label;
      const ul = document.getElementById("run-sentences");
      ul.replaceChildren(...v.sentences.map((s) => el("li", { text: s })));
      const note = document.getElementById("run-note");
      note.textContent = v.fans_note || "";
      note.hidden = !v.fans_note;
      const charts = document.getElementById("run-charts");
      for (const div of charts.querySelectorAll(".js-plotly-plot")) window.Plotly.purge(div);
      charts.replaceChildren();
      document.getElementById("run-view").hidden = false;
      // every card first, then the plots: each is drawn at its card's final width
      const divs = Object.entries(v.figures).map(([figId, fig]) => {
        const div = el("div", { id: figId, class: "run-chart", style: "height:" + fig.layout.height + "px" });
        charts.append(el("div", { class: "card" }, [el("h3", { text: v.figure_titles[figId] || "" }), div]));
        return [div, fig];
      });
      for (const [div, fig] of divs) {
        await window.Plotly.newPlot(div, fig.data, fig.layout, PLOT_CONFIG);
      }
    } catch (err) {
      showError(err);
    } finally {
      document.body.dataset.state = "ready";
    }
  }

  function showProgress(job) {
    const box = document.getElementById("run-progress");
    box.hidden = false;
    box.dataset.state = job.state;
    const share = job.draws_total ? job.draws_done / job.draws_total : 0;
    document.getElementById("run-bar").style.width = Math.round(share * 100) + "%";
    let text;
    if (job.state === "running") {
      text = "Running: " + fmt(job.draws_done, 0) + " of " + fmt(job.draws_total, 0) + " draws";
    } else if (job.state === "saving") {
      text = "Storing " + fmt(job.draws_total, 0) + " draws…";
    } else if (job.state === "done") {
      text = "Done: " + fmt(job.draws_total, 0) + " draws, run " + job.run_id;
    } else if (job.state === "failed") {
      text = "Failed: " + (job.error || "unknown error");
    } else {
      text = "";
    }
    document.getElementById("run-progress-text").textContent = text;
    document.getElementById("run-start").disabled = job.state === "running" || job.state === "saving";
  }

  async function poll() {
    if (polling) return;
    polling = true;
    try {
      for (;;) {
        const job = await api("/api/runs/active");
        showProgress(job);
        if (job.state === "done") {
          await refreshList();
          await showRun(job.run_id);
          return;
        }
        if (job.state !== "running" && job.state !== "saving") return;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } catch (err) {
      showError(err);
    } finally {
      polling = false;
    }
  }

  async function startRun(event) {
    event.preventDefault();
    const scenarios = [...document.querySelectorAll("#run-scenarios input:checked")].map((i) => i.value);
    const body = {
      scenarios,
      draws: Number(document.getElementById("run-draws").value),
      seed: Number(document.getElementById("run-seed").value),
    };
    try {
      const job = await api("/api/runs", { json: body });
      clearError();
      showProgress(job);
      poll();
    } catch (err) {
      showError(err);
    }
  }

  function renderPresets(presets) {
    const box = document.getElementById("run-scenarios");
    for (const p of presets) {
      box.append(el("label", { class: "check", title: p.description || "" }, [
        el("input", { type: "checkbox", value: p.id, id: "scenario-" + p.id }), " " + p.id,
      ]));
    }
  }

  async function start() {
    try {
      const [health, runs, presets, job] = await Promise.all([
        api("/api/health"), api("/api/runs"), api("/api/presets"), api("/api/runs/active"),
      ]);
      document.getElementById("dataset-title").textContent = health.title;
      renderPresets(presets);
      renderList(runs);
      document.getElementById("start-form").addEventListener("submit", startRun);
      document.body.dataset.state = "ready";
      if (job.state === "running" || job.state === "saving") {
        showProgress(job);
        poll();
      }
      const m = /^#run=(.+)$/.exec(location.hash);
      if (m) await showRun(decodeURIComponent(m[1]));
    } catch (err) {
      showError(err);
      document.body.dataset.state = "error";
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
