"""The seed tells the truth about its wording: verbatim quotes and a compilation's summaries
are told apart (and summaries never shown in quotation marks), the compilation's publisher is
a plain description, URLs appear only where the data has one, and the junta is linked to the
post-coup projects by the report's first sentence, as the three people say it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph

from .conftest import ROOT

FIRST_SENTENCE = (
    "Myanmar's junta government is installing Chinese-built cameras with facial recognition "
    "capabilities in more cities across the country, three people with direct knowledge of "
    "the matter said."
)


def _claims(kg: KnowledgeGraph) -> dict[str, dict[str, str]]:
    rows = kg.query(
        """SELECT ?slug ?quote ?kind ?file ?attr WHERE { ?c a skg:Claim ; skg:slug ?slug ;
           skg:quote ?quote ; skg:attribution ?attr ; skg:source ?s .
           ?s skg:sourceFile ?file OPTIONAL { ?c skg:quoteKind ?kind } }""",
        with_prefixes=True,
    ).rows()
    return {
        str(r["slug"].value): {
            "quote": str(r["quote"].value),
            "kind": str(r["kind"].value) if r.get("kind") else "",
            "file": str(r["file"].value),
            "attr": str(r["attr"].value),
        }
        for r in rows
    }


def _inside_quotation_marks(text: str, quote: str) -> bool:
    flat, wanted = " ".join(text.split()), " ".join(quote.split())
    return any(
        flat.count('"', 0, m.start()) % 2 == 1 and '"' not in wanted
        for m in re.finditer(re.escape(wanted), flat)
    )


def test_every_seed_claim_says_whether_its_quote_is_verbatim_or_a_summary(
    seeded_template: KnowledgeGraph, shared: Path
) -> None:
    claims = _claims(seeded_template)
    assert claims
    compilation = (shared / "sources" / "further-reporting.md").read_text()
    for slug, claim in claims.items():
        assert claim["kind"] in ("verbatim", "summary"), slug
        if claim["file"].endswith(".txt"):
            assert claim["kind"] == "verbatim", slug
        else:
            # verbatim exactly when the compilation puts the words in a publisher's mouth
            inside = _inside_quotation_marks(compilation, claim["quote"])
            assert (claim["kind"] == "verbatim") == inside, slug
    assert claims["mnow-naypyitaw-project-cost-mmk"]["kind"] == "summary"
    assert claims["tlt-fisca-close-to-junta"]["kind"] == "verbatim"


def test_summaries_are_never_printed_in_quotation_marks() -> None:
    command = ["-m", "supplychain_kg.cli", "--memory", "-q", "show", "naypyitaw-safe-city-project"]
    shown = subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert shown.returncode == 0, shown.stderr
    assert "Cost: more than 4 billion kyat" in shown.stdout
    assert '"Cost: more than 4 billion kyat' not in shown.stdout
    assert "in summary (not a quotation): Cost: more than 4 billion kyat" in shown.stdout
    assert '"A system of 335 surveillance cameras' in shown.stdout


def test_the_compilations_publisher_is_a_plain_description(
    seeded_template: KnowledgeGraph,
) -> None:
    answer = seeded_template.paths("naypyitaw-union-territory", "myanmar", hubs=True)
    claims = [c for p in answer["paths"] for e in p["edges"] for c in e["claims"]]
    assert claims
    for claim in claims:
        publisher = claim["source"]["publisher"]
        assert publisher and "/" not in publisher and ".md" not in publisher, publisher
    assert claims[0]["source"]["publisher"].startswith("Compilation of further reporting")
    assert claims[0]["quote_kind"] == "summary"


def test_no_source_url_is_guessed_and_one_the_data_has_is_shown(tmp_path: Path) -> None:
    kg = KnowledgeGraph.open(Settings(memory=True))
    try:
        seeded = kg.paths("state-administration-council", "hikvision", k=5)
        urls = {
            c["source"]["url"] for p in seeded["paths"] for e in p["edges"] for c in e["claims"]
        }
        assert urls == {None}
        extra = tmp_path / "url.ttl"
        extra.write_text(
            """@prefix schema: <https://schema.org/> .
            <https://w3id.org/supplychain-kg/id/source/reuters-2022-07-12>
                schema:url <https://example.org/reuters-story> ."""
        )
        kg.load([extra])
        answer = kg.paths("state-administration-council", "hikvision", k=1)
        urls = {c["source"]["url"] for e in answer["paths"][0]["edges"] for c in e["claims"]}
        assert urls == {"https://example.org/reuters-story"}
    finally:
        kg.close()


def test_the_junta_implements_the_post_coup_projects_by_the_first_sentence(
    seeded_template: KnowledgeGraph, shared: Path
) -> None:
    text = (shared / "sources" / "reuters-2022-07-12-myanmar-safe-city.txt").read_text()
    assert FIRST_SENTENCE in " ".join(text.split())
    claim = _claims(seeded_template)["reuters-junta-implements-post-coup-projects"]
    assert claim["quote"] == FIRST_SENTENCE
    assert claim["attr"] == "three people with direct knowledge of the matter"
    answer = seeded_template.paths(
        "state-administration-council", "post-coup-safe-city-projects", max_hops=1
    )
    edge = answer["paths"][0]["edges"][0]
    assert edge["stated"] == {
        "subject": "state-administration-council",
        "relation": "implements",
        "object": "post-coup-safe-city-projects",
    }
    assert [c["id"] for c in edge["claims"]] == ["reuters-junta-implements-post-coup-projects"]


def test_the_seed_invents_no_entity_for_the_new_link(seeded_template: KnowledgeGraph) -> None:
    files = [ROOT / "graph" / "data" / n for n in ("reuters-2022-07-12-myanmar-safe-city.ttl",)]
    text = files[0].read_text()
    assert text.count("ent:post-coup-safe-city-projects a skg:Project") == 1
    rows = seeded_template.query(
        "SELECT ?o WHERE { ent:state-administration-council skg:implements ?o }",
        with_prefixes=True,
    ).rows()
    assert [str(r["o"].value).rsplit("/", 1)[1] for r in rows] == ["post-coup-safe-city-projects"]
