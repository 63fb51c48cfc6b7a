/* The API page: reads /openapi.json and lists every operation with its schemas (offline). */
"use strict";

(function () {
  const { api, el } = window.cf;

  function resolve(schema, spec, depth) {
    if (!schema || depth > 6) return schema;
    if (schema.$ref) {
      const name = schema.$ref.split("/").pop();
      return resolve(spec.components.schemas[name], spec, depth + 1);
    }
    if (Array.isArray(schema)) return schema.map((s) => resolve(s, spec, depth + 1));
    if (typeof schema !== "object") return schema;
    const out = {};
    for (const [k, v] of Object.entries(schema)) out[k] = typeof v === "object" ? resolve(v, spec, depth + 1) : v;
    return out;
  }

  function operation(spec, path, method, op) {
    const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
    const codes = Object.entries(op.responses || {}).map(([code, r]) =>
      el("span", { title: r.description || "", text: code }));
    const parts = [
      el("div", { class: "op-head" }, [
        el("span", { class: "method " + method, text: method.toUpperCase() }),
        el("code", { text: path }),
        el("span", { class: "hint", text: op.summary || "" }),
      ]),
      op.description ? el("p", { class: "hint", text: op.description }) : null,
      el("div", { class: "codes" }, codes),
    ];
    if (body) {
      parts.push(el("h4", { text: "Request body" }));
      parts.push(el("pre", { text: JSON.stringify(resolve(body.schema, spec, 0), null, 2) }));
    }
    return el("div", { class: "op" }, parts);
  }

  async function start() {
    const spec = await api("/openapi.json");
    document.getElementById("api-title").textContent = spec.info.title + " " + spec.info.version;
    document.getElementById("api-description").textContent = spec.info.description || "";
    const box = document.getElementById("operations");
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item)) box.append(operation(spec, path, method, op));
    }
    document.body.dataset.state = "ready";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
