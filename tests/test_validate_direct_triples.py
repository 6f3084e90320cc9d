"""The rule that a direct triple of a claimed relation stands only with an asserting claim
behind it, and an asserting claim about two entities only with its direct triple: checked
first by comparing two sets of (object, relation, subject), then by the joins that name the
culprits (validate/model_rules.py)."""

from __future__ import annotations

import pytest

from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.store import Store, open_store
from supplychain_kg.validate import load_validator
from supplychain_kg.validate.model_rules import check_direct_triples

E = "https://w3id.org/supplychain-kg/id/"
PREFIXES = """@prefix skg: <https://w3id.org/supplychain-kg/ontology#> .
@prefix ent: <https://w3id.org/supplychain-kg/id/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _claim(name: str, s: str, rel: str, o: str, stance: str = "Asserted") -> str:
    return (
        f"ent:{name} a skg:Claim ; skg:subject ent:{s} ; skg:relation skg:{rel} ; "
        f"skg:object {o} ; skg:stance skg:{stance} .\n"
    )


def _staged(text: str) -> Store:
    staging = open_store(None)
    staging.parse_into((PREFIXES + text).encode(), "text/turtle")
    return staging


def _found(text: str, context: Store | None = None) -> set[tuple[str, str, str | None]]:
    validator = load_validator()
    return {
        (v.rule, v.focus.removeprefix(E), v.value)
        for v in check_direct_triples(validator.ontology, _staged(text), context)
    }


def test_paired_triples_and_claims_pass() -> None:
    text = _claim("c1", "a", "suppliesTo", "ent:b") + "ent:a skg:suppliesTo ent:b .\n"
    text += _claim("c2", "a", "suppliesTo", "ent:b")  # two claims behind one triple
    text += _claim("c3", "b", "ownerOf", "ent:c") + "ent:b skg:ownerOf ent:c .\n"
    assert _found(text) == set()


def test_a_triple_behind_a_denial_only_is_refused() -> None:
    text = _claim("c1", "a", "suppliesTo", "ent:b", "Denied") + "ent:a skg:suppliesTo ent:b .\n"
    assert _found(text) == {("claim-backed", "a", f"<{E}b>")}


def test_a_triple_whose_claim_names_another_object_is_refused_and_so_is_the_claim() -> None:
    text = _claim("c1", "a", "suppliesTo", "ent:c") + "ent:a skg:suppliesTo ent:b .\n"
    found = _found(text)
    assert ("claim-backed", "a", f"<{E}b>") in found
    assert ("direct-triple", "c1", f"no <{E}a> skg:suppliesTo <{E}c>") in found
    assert len(found) == 2


def test_a_claim_with_a_literal_object_needs_no_triple() -> None:
    text = _claim("c1", "a", "suppliesTo", '"Acme"')
    assert _found(text) == set()


def test_a_claim_of_a_relation_that_is_not_claimed_needs_no_triple() -> None:
    # skg:slug is no claimed relation: its claims are another rule's business
    assert _found(_claim("c1", "a", "slug", "ent:b")) == set()


@pytest.mark.parametrize("tab", ["a\tb", "a\nb"])
def test_literals_with_tabs_and_line_breaks_are_compared_whole(tab: str) -> None:
    literal = '"' + tab.replace("\t", "\\t").replace("\n", "\\n") + '"'
    text = _claim("c1", "a", "suppliesTo", literal) + f"ent:a skg:suppliesTo {literal} .\n"
    assert _found(text) == set()
    other = _claim("c1", "a", "suppliesTo", '"a b"') + f"ent:a skg:suppliesTo {literal} .\n"
    assert {rule for rule, _, _ in _found(other)} == {"claim-backed"}


def test_the_store_completes_the_pairs(kg: KnowledgeGraph) -> None:
    kg.store.update(
        "INSERT DATA { <https://w3id.org/supplychain-kg/id/cx> "
        "<https://w3id.org/supplychain-kg/ontology#subject> <https://w3id.org/supplychain-kg/id/a> ;"
        " <https://w3id.org/supplychain-kg/ontology#relation> "
        "<https://w3id.org/supplychain-kg/ontology#suppliesTo> ; "
        "<https://w3id.org/supplychain-kg/ontology#object> <https://w3id.org/supplychain-kg/id/b> ;"
        " <https://w3id.org/supplychain-kg/ontology#stance> "
        "<https://w3id.org/supplychain-kg/ontology#Asserted> }"
    )
    assert _found("ent:a skg:suppliesTo ent:b .\n", kg.store) == set()
    assert _found("ent:a skg:suppliesTo ent:b .\n") == {("claim-backed", "a", f"<{E}b>")}
