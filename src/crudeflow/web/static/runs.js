/* The runs page: GET /api/runs -> a table, or an empty state. */
"use strict";

(function () {
  const { api, el, pct } = window.cf;

  function render(runs) {
    const box = document.getElementById("runs");
    box.replaceChildren();
    if (!runs.length) {
      box.append(
        el("div", { class: "empty-state", id: "runs-empty" }, [
          el("h3", { text: "No runs stored yet" }),
          el("p", { text: "Monte Carlo runs of route outages will be listed here once one has been started." }),
        ])
      );
      return;
    }
    const tbody = el("tbody");
    for (const r of runs) {
      tbody.append(
        el("tr", {}, [
          el("td", {}, [el("div", { class: "rname", text: r.title }), el("div", { class: "rid", text: r.id })]),
          el("td", { text: new Date(r.created_at).toLocaleString("en-GB") }),
          el("td", { text: r.status }),
          el("td", { class: "num", text: r.draws.toLocaleString("en-GB") }),
          el("td", {}, [el("div", { class: "progress", title: pct(r.progress) },
            el("div", { style: "width:" + Math.round(r.progress * 100) + "%" }))]),
        ])
      );
    }
    box.append(
      el("table", { class: "table", id: "runs-table" }, [
        el("thead", {}, el("tr", {}, [
          el("th", { text: "Run" }), el("th", { text: "Started" }), el("th", { text: "Status" }),
          el("th", { class: "num", text: "Draws" }), el("th", { text: "Progress" }),
        ])),
        tbody,
      ])
    );
  }

  async function start() {
    try {
      const [health, runs] = await Promise.all([api("/api/health"), api("/api/runs")]);
      document.getElementById("dataset-title").textContent = health.title;
      render(runs);
      document.body.dataset.state = "ready";
    } catch (err) {
      document.getElementById("error-message").textContent = err.message;
      document.getElementById("error-box").hidden = false;
      document.body.dataset.state = "error";
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
