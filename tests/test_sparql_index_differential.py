"""The graph index against Oxigraph, differentially: random queries in the index's subset
over a seed-shaped store (the seed and a graph of its shape from benchmarks/generate.py, with
a named graph that must never be seen), interleaved with random small writes through the
endpoint's update use case (model-valid INSERT DATA / DELETE DATA, so the projection is
patched in place; a refused write too), each query answered by the endpoint (the index when
it can) and by Oxigraph alone, the answers compared as multisets.

Hypothesis runs it as a state machine with a fixed seed (``derandomize``) and a bounded
number of examples, so CI stays within its time."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from supplychain_kg.config import Settings
from supplychain_kg.errors import SkgError, ValidationError
from supplychain_kg.model import term_to_sparql
from supplychain_kg.namespaces import SKG
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.sparql import INDEX, QueryRequest, SparqlService, UpdateRequest
from supplychain_kg.sparql.results import JSON

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/supplychain-kg/id/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
TOKEN = "differential-token"
GENERATED = 60
"""Entities of the generated graph (e0 and e1 are hubs; 4 relations an entity)."""
QUERIED = ["sourcesFrom", "suppliesTo", "wonTender", "forProject", "issuedBy", "ownerOf"]
QUERIED += ["locatedIn", "hasMember", "bidFor"]  # the seed's; one with no triple at all
WRITTEN = ["sourcesFrom", "suppliesTo", "ownerOf", "forProject", "bidFor"]
NEW = [f"{ID}n{i}" for i in range(5)]
"""Entities the writes make (and forget again)."""
OTHERS = [
    f"{ID}source/s0",  # nodes of the default graph that are no entity: a zero-length match
    f"{ID}claim/c0",
    f"{SKG}Company",
    f"{ID}ghost",  # only in the named graph: never a match
    f"{ID}nowhere",  # in no graph
]
MAX_LIMIT = 2**64 - 1


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("differential") / "generated.nt"
    script = ROOT / "benchmarks" / "generate.py"
    command = [sys.executable, str(script), "--entities", str(GENERATED), "--seed", "19"]
    subprocess.run([*command, "--out", str(out)], check=True, capture_output=True)
    return out


def _claim(iri: str, s: str, relation: str, o: str, stance: str) -> str:
    slug = iri.rsplit("/", 1)[1]
    return (
        f'<{iri}> a <{SKG}Claim> ; <{SKG}slug> "{slug}" ; <{SKG}subject> <{s}> ; '
        f"<{SKG}relation> <{SKG}{relation}> ; <{SKG}object> <{o}> ; "
        f"<{SKG}stance> <{SKG}{stance}> ; <{SKG}source> <{ID}source/s0> ; "
        f'<{SKG}quote> "q" ; <{SKG}attribution> "a" .'
    )


def _named_graph() -> str:
    """Links, claims and a node of their own in a named graph: a query of the default graph
    (the index's) never sees them."""
    lines = [f"<{ID}ghost> <{SKG}sourcesFrom> <{ID}e0> ."]
    for i in range(0, GENERATED, 3):
        s, o = f"{ID}e{i}", f"{ID}e{(i * 7 + 1) % GENERATED}"
        lines.append(f"<{s}> <{SKG}sourcesFrom> <{o}> . <{o}> <{SKG}ownerOf> <{s}> .")
        lines.append(_claim(f"{ID}claim/g{i}", s, "sourcesFrom", o, "Asserted"))
    return f"INSERT DATA {{ GRAPH <{ID}g> {{ {' '.join(lines)} }} }}"


# -- queries -----------------------------------------------------------------------------------


def _iri(value: str) -> str:
    return f"skg:{value[len(SKG) :]}" if value.startswith(SKG) else f"<{value}>"


@st.composite
def _queries(draw: st.DrawFn, pool: list[str]) -> tuple[str, int | None]:
    """A SELECT in the index's subset over ``pool`` and its LIMIT (None: none)."""
    used: list[str] = []

    def term() -> str:
        kind = draw(st.sampled_from(["iri", "var", "var", "used"]))
        if kind == "iri":
            return _iri(draw(st.sampled_from(pool)))
        if kind == "used" and used:
            return "?" + draw(st.sampled_from(used))
        name = draw(st.sampled_from("abcd"))
        used.append(name)
        return "?" + name

    patterns = []
    for _ in range(draw(st.integers(1, 3))):
        subject = term()
        obj = subject if subject[0] == "?" and draw(st.integers(0, 9)) == 0 else term()
        r1, r2 = (f"skg:{draw(st.sampled_from(QUERIED))}" for _ in range(2))
        forms = [r1, f"<{SKG}{r1[4:]}>", f"{r1}+", f"{r1}*", f"^{r1}", f"^{r1}*", f"{r1}/{r2}"]
        forms += [f"{r1}+/{r2}", f"{r1}/^{r2}", f"{r1}*/{r2}"]
        patterns.append(f"{subject} {draw(st.sampled_from(forms))} {obj}")
    names = sorted(set(used)) or ["a"]
    shape = draw(st.sampled_from(["rows", "rows", "distinct", "count"]))
    if shape == "count":
        counted = draw(st.sampled_from(["*", "?" + names[0], "DISTINCT ?" + names[-1]]))
        head = f"SELECT (COUNT({counted}) AS ?n)"
    else:
        chosen = draw(st.lists(st.sampled_from([*names, "unused"]), min_size=1, unique=True))
        head = f"SELECT {'DISTINCT ' if shape == 'distinct' else ''}?{' ?'.join(chosen)}"
    limit = draw(st.none() | st.integers(0, 12) | st.sampled_from([MAX_LIMIT, MAX_LIMIT + 1]))
    tail = "" if limit is None else f" LIMIT {limit}"
    where = " . ".join(patterns)
    return f"PREFIX skg: <{SKG}>\n{head} WHERE {{ {where} }}{tail}", limit


def _bag(body: bytes) -> Counter[str]:
    rows = json.loads(body)["results"]["bindings"]
    return Counter(json.dumps(row, sort_keys=True) for row in rows)


# -- the machine -------------------------------------------------------------------------------


class IndexAgainstOxigraph(RuleBasedStateMachine):
    """One store per example; rules write to it or query it."""

    data: Path
    tally: Counter[str]

    def __init__(self) -> None:
        super().__init__()
        settings_ = Settings(memory=True, seed=True, write_token=TOKEN)
        self.kg = KnowledgeGraph.open(settings_)
        self.kg.load([self.data])
        self.kg.store.update(_named_graph())
        self.service: SparqlService = self.kg.sparql_service()
        assert self.service.index is not None and self.service.index.build_now()
        self.claims: dict[str, tuple[str, str, str, str]] = {}
        self.made: set[str] = set()
        self.touched: list[str] = []
        self.count = 0

    def teardown(self) -> None:
        self.kg.close()

    # -- helpers -------------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        self.service.update(UpdateRequest(text, TOKEN))
        assert self.service.index is not None
        assert self.service.index.current() is not None, "a small write left the index behind"

    def _declare(self, *entities: str) -> str:
        fresh = [e for e in entities if e in NEW and e not in self.made]
        self.made.update(fresh)
        return " ".join(
            f'<{e}> a <{SKG}Company> ; <{SKG}slug> "{e[len(ID) :]}" ; <{RDFS}label> "{e}" .'
            for e in fresh
        )

    def _backed_elsewhere(self, claim: str) -> bool:
        s, relation, o, _ = self.claims[claim]
        return self.kg.store.query(
            f"ASK {{ ?c <{SKG}subject> <{s}> ; <{SKG}relation> <{SKG}{relation}> ; "
            f"<{SKG}object> <{o}> ; <{SKG}stance> <{SKG}Asserted> FILTER(?c != <{claim}>) }}"
        ).boolean

    def _pool(self) -> list[str]:
        generated = [f"{ID}e{i}" for i in (0, 1, 2, 5, 7, 13, 26, 33, 41, 59)]
        seed = [f"{ID}{name}" for name in ("hikvision", "mawlamyine", "post-coup-cities")]
        return [*self.touched, *self.touched, *generated, *seed, *NEW, *OTHERS]

    # -- writes --------------------------------------------------------------------------------

    @rule(
        s=st.sampled_from([f"{ID}e{i}" for i in range(0, GENERATED, 4)] + NEW),
        relation=st.sampled_from(WRITTEN),
        o=st.sampled_from([f"{ID}e{i}" for i in range(0, GENERATED, 5)] + NEW),
        stance=st.sampled_from(["Asserted", "Asserted", "Denied"]),
    )
    def claim(self, s: str, relation: str, o: str, stance: str) -> None:
        """A new claim (asserted with its direct triple, or denied: disputed when a triple
        exists), making the new entities it names."""
        self.count += 1
        iri = f"{ID}claim/t{self.count}"
        direct = f"<{s}> <{SKG}{relation}> <{o}> ." if stance == "Asserted" else ""
        body = f"{self._declare(s, o)} {direct} {_claim(iri, s, relation, o, stance)}"
        self._write(f"INSERT DATA {{ {body} }}")
        self.claims[iri] = (s, relation, o, stance)
        self.touched = [s, o]

    @rule(data=st.data())
    def retract(self, data: st.DataObject) -> None:
        """A claim deleted with its direct triple (unless another asserted claim backs it)."""
        if not self.claims:
            return
        iri = data.draw(st.sampled_from(sorted(self.claims)))
        s, relation, o, stance = self.claims[iri]
        direct = f"<{s}> <{SKG}{relation}> <{o}> ."
        keep = stance != "Asserted" or self._backed_elsewhere(iri)
        body = f"{'' if keep else direct} {_claim(iri, s, relation, o, stance)}"
        self._write(f"DELETE DATA {{ {body} }}")
        del self.claims[iri]
        self.touched = [s, o]

    @rule(data=st.data())
    def flip(self, data: st.DataObject) -> None:
        """A claim's stance turned: asserted to denied (its triple goes, unless backed by
        another claim), or denied to asserted (its triple comes)."""
        if not self.claims:
            return
        iri = data.draw(st.sampled_from(sorted(self.claims)))
        s, relation, o, stance = self.claims[iri]
        direct = f"<{s}> <{SKG}{relation}> <{o}> ."
        turned = "Denied" if stance == "Asserted" else "Asserted"
        gone = f"<{iri}> <{SKG}stance> <{SKG}{stance}> ."
        new = f"<{iri}> <{SKG}stance> <{SKG}{turned}> ."
        if turned == "Asserted":
            new += " " + direct
        elif not self._backed_elsewhere(iri):
            gone += " " + direct
        self._write(f"DELETE DATA {{ {gone} }} ; INSERT DATA {{ {new} }}")
        self.claims[iri] = (s, relation, o, turned)
        self.touched = [s, o]

    @rule(entity=st.sampled_from(NEW))
    def forget(self, entity: str) -> None:
        """Every default-graph triple naming a new entity deleted, with the claims naming it
        and their triples: it is left in no triple of the default graph."""
        if entity not in self.made:
            return
        found = self.kg.store.query(
            # every variable of the template bound in each branch: CONSTRUCT leaves out a
            # triple with an unbound one (SPARQL 1.1, 16.2)
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ <{entity}> ?p ?o BIND(<{entity}> AS ?s) }} "
            f"UNION {{ ?s ?p <{entity}> BIND(<{entity}> AS ?o) }} "
            f"UNION {{ ?s <{SKG}subject>|<{SKG}object> <{entity}> ; ?p ?o }} }}"
        )
        triples = " ".join(" ".join(map(term_to_sparql, t)) + " ." for t in found.triples())
        self._write(f"DELETE DATA {{ {triples} }}")
        left = f"ASK {{ {{ <{entity}> ?p ?o }} UNION {{ ?s ?p <{entity}> }} }}"
        assert not self.kg.store.query(left).boolean, f"{entity} is still in a triple"
        self.made.discard(entity)
        self.claims = {c: v for c, v in self.claims.items() if entity not in (v[0], v[2])}
        self.touched = [entity]

    @rule(
        s=st.sampled_from([f"{ID}e{i}" for i in range(0, GENERATED, 6)] + NEW),
        relation=st.sampled_from(WRITTEN),
        o=st.sampled_from([f"{ID}ghost", *NEW]),
    )
    def named(self, s: str, relation: str, o: str) -> None:
        """A link and its claim written into a named graph: never an answer."""
        self.count += 1
        claim = _claim(f"{ID}claim/t{self.count}", s, relation, o, "Asserted")
        self._write(
            f"INSERT DATA {{ GRAPH <{ID}g> {{ <{s}> <{SKG}{relation}> <{o}> . {claim} }} }}"
        )
        self.touched = [s, o]

    @rule(s=st.sampled_from([f"{ID}e{i}" for i in range(0, GENERATED, 7)]))
    def refused(self, s: str) -> None:
        """A direct triple with no claim behind it is refused and undone; the index is
        rebuilt and stays right."""
        with pytest.raises(ValidationError):
            self.service.update(
                UpdateRequest(f"INSERT DATA {{ <{s}> <{SKG}sourcesFrom> <{ID}e1> }}", TOKEN)
            )
        assert self.service.index is not None and self.service.index.build_now()

    # -- queries -------------------------------------------------------------------------------

    @rule(data=st.data())
    def ask(self, data: st.DataObject) -> None:
        """A few random queries, each answered like Oxigraph."""
        for _ in range(data.draw(st.integers(1, 8))):
            text, limit = data.draw(_queries(self._pool()))
            self._compare(text, limit)

    @invariant()
    def zero_length_paths_match_only_nodes_of_the_default_graph(self) -> None:
        for node in self.touched:
            self._compare(f"SELECT ?x WHERE {{ <{node}> <{SKG}sourcesFrom>* ?x }}", None)
            self._compare(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ <{node}> <{SKG}ownerOf>* <{node}> }}", None
            )

    def _compare(self, text: str, limit: int | None) -> None:
        request = QueryRequest(text, JSON, None)
        if limit is not None and limit > MAX_LIMIT:
            with pytest.raises(SkgError) as refused:
                self.service.query(request)
            with pytest.raises(type(refused.value)):
                self.service.runner.run(self.service.job(request))
            return
        fast = self.service.query(request)
        slow = self.service.runner.run(self.service.job(request))
        self.tally[fast.engine] += 1
        got, expected = _bag(fast.body), _bag(slow.body)
        if limit is None or limit == MAX_LIMIT or "COUNT" in text:
            assert got == expected, text
            return
        unlimited = text.rpartition(" LIMIT ")[0]
        full = _bag(
            self.service.runner.run(self.service.job(QueryRequest(unlimited, JSON, None))).body
        )
        assert sum(got.values()) == min(limit, sum(full.values())), text
        assert not got - full, text


def test_random_queries_between_random_writes_get_oxigraphs_answers(generated: Path) -> None:
    tally: Counter[str] = Counter()
    machine: Any = type("Machine", (IndexAgainstOxigraph,), {"data": generated, "tally": tally})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],  # a failure is shown as found, unshrunk
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
    answered = tally[INDEX] / sum(tally.values())
    assert answered > 0.75, tally  # the index answers most of its subset, patched in place


def test_forgetting_an_entity_deletes_the_direct_triples_pointing_at_it(generated: Path) -> None:
    """The machine's ``forget`` also deletes the asserted direct triples whose object is the
    entity (with the claims behind them): leaving them would be refused as unbacked.
    Hypothesis reaches this only in some runs, so it is pinned here."""
    machine: Any = type("Machine", (IndexAgainstOxigraph,), {"data": generated, "tally": Counter()})
    state = machine()
    try:
        new = NEW[0]
        state.claim(s=f"{ID}e52", relation="suppliesTo", o=new, stance="Asserted")
        state.claim(s=f"{ID}e36", relation="suppliesTo", o=new, stance="Asserted")
        state.claim(s=new, relation="forProject", o=f"{ID}e55", stance="Denied")
        state.forget(entity=new)
        assert not state.claims
        state.zero_length_paths_match_only_nodes_of_the_default_graph()
    finally:
        state.teardown()
