// The evidence panel: everything about the selected entity or link, every claim with its source.
import { renderClaim, renderClaims, stanceBadge } from "./claims.js";
import { append, clear, getJSON, h } from "./dom.js";
import { restrictionNote } from "./restrictions.js";

const PAGE = 60;

function list(values) {
  return values && values.length ? values.join("; ") : null;
}

function facts(rows) {
  const shown = rows.filter(([, value]) => value !== null && value !== undefined && value !== "");
  if (!shown.length) return null;
  return h("dl", {}, shown.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
}

/** A SPARQL query for every claim about an entity, for the editor link. */
export function entityQuery(ontology, iri, label) {
  return `# Every claim about ${label.replace(/\s+/g, " ")}, with its stance and source
PREFIX skg: <${ontology}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?subjectLabel ?relation ?objectLabel ?stance ?attribution ?quote ?publisherLabel ?date WHERE {
  VALUES ?entity { <${iri}> }
  { ?claim skg:subject ?entity } UNION { ?claim skg:object ?entity }
  ?claim skg:subject ?subject ; skg:relation ?relation ; skg:object ?object ;
         skg:stance ?stance ; skg:source ?source .
  OPTIONAL { ?subject rdfs:label ?subjectLabel }
  OPTIONAL { ?object rdfs:label ?objectLabel }
  OPTIONAL { ?claim skg:attribution ?attribution }
  OPTIONAL { ?claim skg:quote ?quote }
  OPTIONAL { ?source dcterms:publisher/rdfs:label ?publisherLabel }
  OPTIONAL { ?source dcterms:date ?date }
}
ORDER BY ?relation ?stance
`;
}

export function sparqlHref(ontology, iri, label) {
  const params = new URLSearchParams({ query: entityQuery(ontology, iri, label) });
  return `/sparql#${params.toString()}`;
}

export class Panel {
  constructor(element, config, actions) {
    this.element = element;
    this.config = config;
    this.actions = actions;
    this.serial = 0;
  }

  show(...children) {
    clear(this.element);
    append(this.element, [h("h2", {}, "Evidence"), children]);
  }

  message(text) {
    this.show(h("p", { class: "empty" }, text));
  }

  async entity(id, categoryLabel, limit = 60) {
    const serial = ++this.serial;
    const started = performance.now();
    this.show(h("p", { class: "empty" }, "Loading…"));
    let info;
    try {
      info = await getJSON(`/explorer/entity/${encodeURIComponent(id)}?limit=${limit}`);
    } catch (error) {
      if (serial === this.serial) this.show(h("p", { class: "error" }, `Could not load ${id}: ${error.message}`));
      return;
    }
    if (serial !== this.serial) return;
    this.show(this.renderEntity(info, categoryLabel, limit));
    requestAnimationFrame(() => requestAnimationFrame(() => {
      (window.skgTimings || []).push({ what: "panel", ms: performance.now() - started, links: info.relations.length });
    }));
  }

  renderEntity(info, categoryLabel, limit) {
    const contested = info.relations.filter((r) => r.stance === "denied" || r.stance === "disputed");
    const capped = info.capped;
    return [
      h("h3", { class: "title", id: "panel-title" }, info.label),
      h("p", { class: "kind" }, `${categoryLabel || ""} · ${info.types.join(", ")}`),
      restrictionNote(info),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => this.actions.expand(info.id) }, "Expand neighbours"),
        h("button", { type: "button", onclick: () => this.actions.pathFrom(info) }, "Paths from here"),
        h("button", { type: "button", onclick: () => this.actions.pathTo(info) }, "Paths to here"),
        h("a", { href: sparqlHref(this.config.ontology, info.iri, info.label), id: "panel-sparql",
          target: "_blank", rel: "noopener" }, "Query in SPARQL editor")),
      facts([
        ["Id", info.id],
        ["IRI", info.iri],
        ["Labels", list(info.labels)],
        ["Aliases", list(info.aliases)],
        ["Identifiers", list(info.identifiers)],
        ["Country", list(info.country)],
        ...Object.entries(info.attributes || {}).map(([k, v]) => [k, Array.isArray(v) ? v.join("; ") : String(v)]),
      ]),
      (info.comments || []).map((c) => h("p", { class: "comment" }, c)),
      contested.length
        ? h("div", { class: "warning", role: "note" },
          h("strong", {}, `⚠ ${contested.length} link${contested.length > 1 ? "s" : ""} denied or disputed: `),
          contested.map((r, i) => [i ? "; " : "", stanceBadge(r.stance), " ", r.direction === "out"
            ? `${info.label} ${r.relation_label} ${r.other.label}` : `${r.other.label} ${r.relation_label} ${info.label}`]))
        : null,
      capped && info.denials.length
        ? h("div", { class: "warning", role: "note" },
          h("strong", {}, `✖ ${info.label} is party to ${info.denials.length} denied claim(s):`),
          info.denials.map(renderClaim))
        : null,
      (info.values || []).length
        ? [h("h3", {}, `Values (${info.values.length})`), info.values.map((v) => h("section", { class: "relation" },
          h("h4", {}, `${v.relation}: ${typeof v.value === "object" ? JSON.stringify(v.value) : v.value}`),
          renderClaim(v.claim)))]
        : null,
      h("h3", {}, `Links and claims (${info.relations.length})`),
      capped
        ? h("p", { class: "hint" },
          `${info.label} has ${capped.claims.toLocaleString()} claims with ${capped.neighbours_total.toLocaleString()} neighbours; `
          + `the links to the first ${capped.neighbours_shown.toLocaleString()} are listed (every denial is listed above). `,
          capped.neighbours_shown < capped.neighbours_total && limit < 1000
            ? h("button", { type: "button", onclick: () => this.entity(info.id, categoryLabel, Math.min(1000, limit * 2)) },
              "List more neighbours")
            : null)
        : null,
      this.relationList(info),
    ];
  }

  /** Links in pages of PAGE (denied and disputed ones first, so a hub never hides them). */
  relationList(info) {
    const rank = { denied: 0, disputed: 1 };
    const ordered = [...info.relations].sort((a, b) => (rank[a.stance] ?? 2) - (rank[b.stance] ?? 2));
    const container = h("div", { class: "relations" });
    const more = h("button", { type: "button", class: "more-links" });
    let shown = 0;
    const page = () => {
      const next = ordered.slice(shown, shown + PAGE);
      shown += next.length;
      more.before(...next.map((r) => this.renderRelation(info, r)));
      more.textContent = `Show ${Math.min(PAGE, ordered.length - shown)} more links (${ordered.length - shown} not shown)`;
      more.hidden = shown >= ordered.length;
    };
    more.addEventListener("click", page);
    container.append(more);
    page();
    return container;
  }

  renderRelation(info, relation) {
    const other = h("button", { type: "button", class: "link", onclick: () => this.actions.focus(relation.other) },
      relation.other.label);
    const text = relation.direction === "out"
      ? [info.label, ` — ${relation.relation_label} → `, other]
      : [other, ` — ${relation.relation_label} → `, info.label];
    return h("section", { class: `relation ${relation.stance}` },
      h("h4", {}, stanceBadge(relation.stance, true), " ", text),
      renderClaims(relation.claims));
  }

  link(edge, nodeLabel) {
    const data = edge.data();
    const claims = data.claims || [];
    this.show(
      h("h3", { class: "title" }, `${nodeLabel(data.source)} — ${data.relationLabel} → ${nodeLabel(data.target)}`),
      h("p", { class: "kind" }, "Link · ", stanceBadge(data.stance, true)),
      data.stance === "disputed" || data.stance === "denied"
        ? h("div", { class: "warning", role: "note" }, h("strong", {},
          data.stance === "denied" ? "✖ Only denials back this link." : "⚠ Sources disagree on this link."))
        : null,
      h("h3", {}, `Claims (${claims.length})`),
      claims.map(renderClaim),
    );
  }

  more(node, ownerLabel) {
    const { shown, total, owner } = node.data();
    this.show(
      h("h3", { class: "title" }, `${total - shown} more neighbours of ${ownerLabel}`),
      h("p", {}, `${shown} of ${total} are shown; the rest were left out to keep the view readable.`),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => this.actions.expandMore(owner) }, "Show more")),
    );
  }

  source(node) {
    const data = node.data();
    this.show(
      h("h3", { class: "title" }, data.label),
      h("p", { class: "kind" }, "Source document"),
      facts([["Publisher", data.publisher], ["Date", data.date], ["Id", data.id.replace(/^source:/, "")]]),
      data.url ? h("p", {}, h("a", { href: data.url, rel: "noreferrer noopener", target: "_blank" }, data.url)) : null,
    );
  }
}
