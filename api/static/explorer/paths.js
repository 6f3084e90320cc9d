// The path finder: GET /paths, drawn highlighted in the view and listed hop by hop.
import { renderClaim, stanceBadge } from "./claims.js";
import { ApiError, append, clear, getJSON, h, query } from "./dom.js";

function hopText(edge, names) {
  const from = names.get(edge.source);
  const to = names.get(edge.target);
  const label = edge.relation_label || edge.relation;
  // direction "in": the stored link points from the later node back to the earlier one
  return edge.direction === "in" ? `${from} ← ${label} — ${to}` : `${from} — ${label} → ${to}`;
}

function renderHop(edge, names) {
  const alternatives = edge.parallel || [];
  return h("li", { class: "hop" },
    h("p", {}, stanceBadge(edge.stance || "asserted"), " ", h("strong", {}, hopText(edge, names))),
    (edge.claims || []).map(renderClaim),
    alternatives.length
      ? h("details", {}, h("summary", {}, `${alternatives.length} other link(s) between these two`),
        alternatives.map((other) => [h("p", {}, stanceBadge(other.stance), " ", hopText(other, names)),
          (other.claims || []).map(renderClaim)]))
      : null);
}

function denialNotes(answer) {
  const notes = [];
  for (const end of [answer.source, answer.target]) {
    const denials = (end && end.denials) || [];
    if (!denials.length) continue;
    notes.push(h("div", { class: "warning", role: "note" },
      h("strong", {}, `✖ ${end.label} is party to ${denials.length} denied claim(s)`),
      denials.map(renderClaim)));
  }
  return notes;
}

export function renderNoPath(answer) {
  return h("div", { class: "nopath", role: "note" },
    h("p", {}, h("strong", {}, `No path from ${answer.source.label} to ${answer.target.label}.`)),
    h("p", {}, answer.reason ? `Why: ${answer.reason}.` : "The two are not connected by the links walked."),
    h("p", { class: "hint" },
      "Try more hops, fewer relation filters, or “Include denied links” to also walk links that only denials back."));
}

export function renderPaths(answer, { onShowPath }) {
  if (!answer.paths.length) return [renderNoPath(answer), ...denialNotes(answer)];
  const blocks = answer.paths.map((path, i) => {
    const names = new Map(path.nodes.map((n) => [n.id, n.label]));
    return h("section", { class: "path", "aria-label": `Path ${i + 1}` },
      h("h3", {}, `Path ${i + 1}: ${path.length} hop${path.length === 1 ? "" : "s"} `,
        h("button", { type: "button", onclick: () => onShowPath(i) }, "Highlight")),
      h("p", { class: "route" }, path.nodes.map((n) => n.label).join(" → ")),
      h("ol", { class: "hops" }, path.edges.map((edge) => renderHop(edge, names))));
  });
  return [
    h("p", {}, `${answer.paths.length} path(s) from ${answer.source.label} to ${answer.target.label}`,
      answer.truncated ? " (more exist: raise Alternatives)" : "", "."),
    ...blocks,
    ...denialNotes(answer),
  ];
}

/** An error from /paths explained, with buttons for the suggested or candidate entities. */
export function renderPathError(error, onChoose) {
  if (!(error instanceof ApiError)) return h("p", { class: "error" }, `The path search failed: ${error.message}`);
  const options = error.body.candidates || error.body.suggestions || [];
  return h("div", { class: "error", role: "alert" },
    h("p", {}, error.message),
    options.length
      ? h("ul", { class: "plain" }, options.map((o) => h("li", {},
        h("button", { type: "button", onclick: () => onChoose(o) }, `${o.label} (${o.id})`))))
      : null);
}

export async function findPaths(form, from, to) {
  const data = new FormData(form);
  const params = {
    source: from.reference(),
    target: to.reference(),
    max_hops: data.get("max_hops"),
    k: data.get("k"),
    include_disputed: data.get("include_disputed") ? "true" : "false",
    relation: data.getAll("relation"),
  };
  return getJSON(`/paths?${query(params)}`);
}

export function showResult(element, children) {
  append(clear(element), [children]);
}
