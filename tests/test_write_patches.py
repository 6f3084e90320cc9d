"""Small writes patch the name index and the path projection in place; they stay equal to a
fresh build. SPARQL updates made of INSERT DATA / DELETE DATA count as small writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from supplychain_kg.config import Settings
from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import Projection, build_projection
from supplychain_kg.paths.names import NameIndex
from supplychain_kg.service import KnowledgeGraph, seed_files

from .conftest import FIXTURES

PREFIXES = f"""PREFIX skg: <{SKG}>
PREFIX ent: <https://w3id.org/supplychain-kg/id/>
PREFIX claim: <https://w3id.org/supplychain-kg/id/claim/>
PREFIX src: <https://w3id.org/supplychain-kg/id/source/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

NEW_BROKER = (
    PREFIXES
    + """INSERT DATA {
  ent:pa-newco a skg:Company ; rdfs:label "Newco Distribution" ; skg:slug "pa-newco" .
  claim:pa-newco-supplies a skg:Claim ; skg:slug "pa-newco-supplies" ;
    skg:subject ent:pa-newco ; skg:relation skg:suppliesTo ; skg:object ent:pa-loner ;
    skg:stance skg:Asserted ; skg:source src:pa-report ;
    skg:quote "Newco supplies Lonely Holdings." ; skg:attribution "Path Gazette" .
  ent:pa-newco skg:suppliesTo ent:pa-loner .
}"""
)


@pytest.fixture(params=["memory", "disk"])
def graph(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KnowledgeGraph]:
    settings = (
        Settings(memory=True, seed=False)
        if request.param == "memory"
        else Settings(store_dir=tmp_path / "store", seed=False)
    )
    kg = KnowledgeGraph.open(settings)
    kg.load([seed_files()[0], FIXTURES / "paths-small.ttl"])
    kg.projection()
    kg.index()
    yield kg
    kg.close()


def _fresh(kg: KnowledgeGraph) -> Projection:
    return build_projection(
        kg.store, kg.ontology.claimed_relations, kg.ontology.closure(f"{SKG}Entity")
    )


def _edges(kg: KnowledgeGraph, *, fresh: bool = False) -> set[tuple[str, str, str, str]]:
    projection = _fresh(kg) if fresh else kg.projection()
    return {
        (s, o, rel, data["stance"])
        for s, o, rel, data in projection.graph.edges(keys=True, data=True)
    }


def _names(index: NameIndex) -> list[tuple[str, str, tuple[str, ...]]]:
    return sorted((m.id, m.label, m.types) for m in (index.entry(i) for i in index._entries) if m)


def _assert_patched_like_fresh(kg: KnowledgeGraph, projection: object, index: object) -> None:
    assert kg._projection is projection, "the projection was rebuilt instead of patched"
    assert kg._index is index, "the name index was rebuilt instead of patched"
    assert _edges(kg) == _edges(kg, fresh=True)
    assert set(kg.projection().graph) == set(_fresh(kg).graph), "nodes differ from a build"
    fresh = NameIndex(kg.store, kg.ontology.closure(f"{SKG}Entity"))
    assert _names(kg.index()) == _names(fresh)
    assert kg.index().revision == kg.store.revision == kg.projection().revision


def test_insert_data_patches_the_projection_and_the_name_index(graph: KnowledgeGraph) -> None:
    projection, index = graph._projection, graph._index
    graph.search("zzz")  # the fuzzy keys exist, so they are patched too
    graph.run_update(NEW_BROKER)
    _assert_patched_like_fresh(graph, projection, index)
    assert graph.search("newco distribution")[0].id == "pa-newco"
    answer = graph.paths("pa-newco", "pa-loner")
    assert answer["paths"], answer


def test_a_data_update_of_a_stance_turns_a_disputed_edge_asserted(graph: KnowledgeGraph) -> None:
    edge = (
        "https://w3id.org/supplychain-kg/id/pa-integrator",
        "https://w3id.org/supplychain-kg/id/pa-vendor",
        f"{SKG}sourcesFrom",
    )
    assert (*edge, "disputed") in _edges(graph)
    projection, index = graph._projection, graph._index
    # only the stance triple changes: the claim's ends are found in the store before the write
    claim = "claim:pa-integrator-sourcesfrom-pa-vendor-denied"
    graph.run_update(
        PREFIXES + f"DELETE DATA {{ {claim} skg:stance skg:Denied }} ; "
        f"INSERT DATA {{ {claim} skg:stance skg:Asserted }}"
    )
    _assert_patched_like_fresh(graph, projection, index)
    assert (*edge, "asserted") in _edges(graph)


def test_data_updates_in_sequence_stay_equal_to_a_fresh_build(graph: KnowledgeGraph) -> None:
    projection, index = graph._projection, graph._index
    graph.run_update(NEW_BROKER)
    graph.run_update(NEW_BROKER.replace("INSERT DATA", "DELETE DATA"))
    graph.run_update(
        PREFIXES + 'INSERT DATA { ent:pa-loner skg:slug "pa-loner" ; rdfs:label "Loner Two" }'
    )
    graph.run_update(
        PREFIXES + "INSERT DATA { GRAPH <https://example.org/g> { ent:pa-loner rdfs:label 'X' } }"
    )
    graph.run_update("DROP SILENT GRAPH <https://example.org/g>")
    _assert_patched_like_fresh(graph, projection, index)
    assert graph.index().by_id("pa-newco") is None
    assert graph.search("loner two")[0].id == "pa-loner"


def test_a_general_update_rebuilds_and_is_still_right(graph: KnowledgeGraph) -> None:
    projection = graph._projection
    graph.run_update(  # the direct triples with the claims behind them, as the model wants
        PREFIXES + "DELETE { ?s skg:suppliesTo ?o . ?c ?p ?v } WHERE { "
        "{ ?s skg:suppliesTo ?o } UNION { ?c skg:relation skg:suppliesTo ; ?p ?v } }"
    )
    assert graph._projection is None or graph._projection is not projection
    assert not any(rel == f"{SKG}suppliesTo" for _, _, rel, _ in _edges(graph))
    assert _edges(graph) == _edges(graph, fresh=True)


def test_a_bad_update_changes_nothing_and_keeps_the_caches(graph: KnowledgeGraph) -> None:
    from supplychain_kg.errors import SkgError

    before = _edges(graph)
    projection, index = graph._projection, graph._index
    with pytest.raises(SkgError):
        graph.run_update(PREFIXES + "INSERT DATA { ent:pa-loner skg:suppliesTo }")
    assert graph._projection is projection and graph._index is index
    assert _edges(graph) == before == _edges(graph, fresh=True)


def test_a_small_import_patches_the_caches(graph: KnowledgeGraph, tmp_path: Path) -> None:
    folder = tmp_path / "sheets"
    folder.mkdir()
    (folder / "entities.csv").write_text(
        "id,name,type,aliases,country,identifiers\npa-importedco,Imported Trading Co,Company,,,\n",
        encoding="utf-8",
    )
    (folder / "relationships.csv").write_text(
        "subject,relation,object,stance,quote,attributed_to,source_title,source_publisher,"
        "source_url,source_date,valid_from,valid_to\n"
        "pa-importedco,suppliesTo,pa-loner,asserted,Imported supplies Lonely.,Path Gazette,"
        "Import test sheet,Path Gazette,https://example.org/sheet,2024-02-03,,\n",
        encoding="utf-8",
    )
    projection, index = graph._projection, graph._index
    graph.import_files("csv", [folder])
    _assert_patched_like_fresh(graph, projection, index)
    assert graph.paths("Imported Trading Co", "pa-loner")["paths"]


def test_a_literal_end_is_refused_and_a_legacy_one_marks_its_relation_impure(
    graph: KnowledgeGraph,
) -> None:
    from supplychain_kg.errors import ValidationError

    assert graph.projection().impure == frozenset()
    with pytest.raises(ValidationError):  # a direct triple needs its claim, and an entity end
        graph.run_update(PREFIXES + 'INSERT DATA { ent:pa-loner skg:suppliesTo "a warehouse" }')
    assert graph.projection().impure == frozenset()
    # a store written before writes were validated may hold one: a build marks it
    graph.store.update(PREFIXES + 'INSERT DATA { ent:pa-loner skg:suppliesTo "a warehouse" }')
    fresh = build_projection(
        graph.store, graph.ontology.claimed_relations, graph.ontology.closure(f"{SKG}Entity")
    )
    assert fresh.impure == {f"{SKG}suppliesTo"}
