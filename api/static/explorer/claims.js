// How a claim (one source's statement about a link) is shown: stance in words and colour.
import { h } from "./dom.js";

const STANCE_TEXT = {
  asserted: "✔ ASSERTED",
  denied: "✖ DENIED",
  disputed: "⚠ DISPUTED",
  unbacked: "? UNBACKED",
};

const STANCE_HELP = {
  asserted: "every claim on this link asserts it",
  denied: "the only claims on this link deny it",
  disputed: "some claims assert this link and some deny it",
  unbacked: "no claim backs this link",
};

export function stanceBadge(stance, help = false) {
  const text = STANCE_TEXT[stance] || stance.toUpperCase();
  return h("span", { class: `badge ${stance}`, title: STANCE_HELP[stance] || stance }, text,
    help && STANCE_HELP[stance] ? h("span", { class: "sr-only" }, `: ${STANCE_HELP[stance]}`) : null);
}

export function stanceLabel(stance) {
  return STANCE_TEXT[stance] || stance;
}

const SHOWN = new Set(["id", "stance", "attributed_to", "quote", "quote_kind", "source", "valid_from", "valid_to", "denies"]);

function sourceLine(source) {
  if (!source) return h("p", { class: "source" }, "Source: not recorded");
  const parts = [source.publisher, source.title ? `“${source.title}”` : null, source.date]
    .filter(Boolean).join(", ");
  return h("p", { class: "source" }, "Source: ", parts || source.id,
    source.url ? [" ", h("a", { href: source.url, rel: "noreferrer noopener", target: "_blank" }, "link")] : null);
}

function validity(claim) {
  if (!claim.valid_from && !claim.valid_to) return null;
  const from = claim.valid_from || "an open start";
  const to = claim.valid_to || "an open end";
  return h("p", { class: "validity" }, `Valid from ${from} to ${to}`);
}

function extras(claim) {
  const rows = Object.entries(claim).filter(([key, value]) => !SHOWN.has(key) && value !== null && value !== "");
  if (!rows.length) return null;
  return h("dl", { class: "extra" }, rows.map(([key, value]) => [
    h("dt", {}, key.replaceAll("_", " ")),
    h("dd", {}, typeof value === "object" ? JSON.stringify(value) : String(value)),
  ]));
}

/** A verbatim quote in a blockquote; a compilation's summary as plain text, never quoted. */
function quoteBlock(claim) {
  if (claim.quote_kind === "summary") {
    return h("p", { class: "summary" }, h("em", {}, "In summary (not the publisher's words): "), claim.quote);
  }
  return h("blockquote", {}, claim.quote);
}

/** One claim: stance badge, who says it, the quote, the source, the validity dates. */
export function renderClaim(claim) {
  const denied = claim.stance === "denied";
  return h("article", { class: `claim ${claim.stance}`, dataset: { claim: claim.id } },
    h("p", {}, stanceBadge(claim.stance), " ",
      denied ? "denied by " : "according to ",
      h("strong", {}, claim.attributed_to || "an unattributed source")),
    claim.quote ? quoteBlock(claim) : null,
    sourceLine(claim.source),
    validity(claim),
    extras(claim));
}

export function renderClaims(claims) {
  if (!claims || !claims.length) return h("p", { class: "hint" }, "No claim recorded for this link.");
  return claims.map(renderClaim);
}
