"""Finding entities of the seed graph despite spacing, case, accents and typos."""

from __future__ import annotations

import pytest

from supplychain_kg.errors import UnknownEntityError
from supplychain_kg.service import KnowledgeGraph


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("naungyoe", "naung-yoe"),
        ("hik vision", "hikvision"),
        ("Dahua Technology", "dahua"),
        ("HIKVISION", "hikvision"),
        ("Naypyitâw Council", "naypyitaw-council"),
        ("Hikvsion", "hikvision"),
    ],
)
def test_search_finds_the_entity_first(
    seeded_template: KnowledgeGraph, text: str, expected: str
) -> None:
    assert seeded_template.search(text)[0].id == expected


@pytest.mark.parametrize("text", ["naungyoe", "hik vision", "Dahua Technology"])
def test_tolerant_names_resolve_for_paths(seeded_template: KnowledgeGraph, text: str) -> None:
    assert seeded_template.resolve(text) == seeded_template.search(text)[0].iri


def test_search_ranks_the_exact_name_above_longer_names(seeded_template: KnowledgeGraph) -> None:
    ids = [m.id for m in seeded_template.search("hikvision")]
    assert ids.index("hikvision") < ids.index("hikvision-overseas-customers")


def test_an_unknown_name_suggests_entities_sharing_a_word(
    seeded_template: KnowledgeGraph,
) -> None:
    with pytest.raises(UnknownEntityError) as caught:
        seeded_template.resolve("Hikvision Zebra Unicorn Ltd")
    assert caught.value.suggestions[0]["id"] == "hikvision"


def test_names_with_quotes_tabs_accents_and_language_tags_are_indexed_as_written() -> None:
    from supplychain_kg.namespaces import SKG
    from supplychain_kg.paths.names import NameIndex, normalize
    from supplychain_kg.store import open_store

    store = open_store(None)
    store.parse_into(
        f"""<http://x/a> a <{SKG}Contractor> ; <{SKG}slug> "a" ;
            <http://www.w3.org/2000/01/rdf-schema#label> "Fisca \\"FSC\\"\\tSécurité"@fr ;
            <http://www.w3.org/2004/02/skos/core#altLabel> "Naung\\u00A0Yoe" .
        """.encode(),
        "text/turtle",
    )
    index = NameIndex(store, frozenset({f"{SKG}Contractor"}))
    assert index.entry("http://x/a").label == 'Fisca "FSC"\tSécurité'  # type: ignore[union-attr]
    assert [m.id for m in index.search("fisca fsc securite")] == ["a"]
    assert index.search("naung yoe")[0].matched == "Naung\u00a0Yoe"
    assert normalize("Fisca-FSC 2") == "fiscafsc2" == normalize("ＦＩＳＣＡ FSC２")
