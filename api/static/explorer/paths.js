// The path finder: GET /paths, drawn highlighted in the view and listed hop by hop.
import { renderClaim, stanceBadge } from "./claims.js";
import { ApiError, append, clear, getJSON, h, query } from "./dom.js";
import { restrictionBadge } from "./restrictions.js";

function hopText(edge, names) {
  const label = edge.relation_label || edge.relation;
  // the relation as the source states it (subject, relation, object), whatever the walk order
  const stated = edge.stated || (edge.direction === "in"
    ? { subject: edge.target, object: edge.source } : { subject: edge.source, object: edge.target });
  const text = `${names.get(stated.subject)} ${label} ${names.get(stated.object)}`;
  return edge.direction === "in" ? `${text} (walked from ${names.get(edge.source)} to ${names.get(edge.target)})` : text;
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
      path.rank ? h("p", { class: "rank" }, `Rank ${path.rank.position} (${path.rank.by}; strength ${path.rank.score}): ${path.rank.why}.`) : null,
      h("p", { class: "route" }, path.nodes.map((n, j) => [j ? " → " : "", n.label, restrictionBadge(n) ? [" ", restrictionBadge(n)] : null])),
      path.restricted ? h("p", { class: "restricted-count" }, `Touches ${path.restricted} entit${path.restricted === 1 ? "y" : "ies"} on a restriction list.`) : null,
      h("ol", { class: "hops" }, path.edges.map((edge) => renderHop(edge, names))));
  });
  return [
    h("p", {}, `${answer.paths.length} path(s) from ${answer.source.label} to ${answer.target.label}`,
      answer.truncated ? " (more exist: raise Alternatives)" : "", "."),
    answer.hub_paths_note ? h("p", { class: "hint hub-note" }, `${answer.hub_paths_note}.`) : null,
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
    rank: data.get("rank") || "evidence",
    hubs: data.get("hubs") ? "true" : "false",
  };
  const answer = await getJSON(`/paths?${query(params)}`);
  answer.query = params;
  return answer;
}

export function showResult(element, children) {
  append(clear(element), [children]);
}
