"""The SPARQL graph index answers its subset exactly as Oxigraph does, and falls back otherwise."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from supplychain_kg.config import Settings
from supplychain_kg.errors import QueryTimeoutError, ResultTooLargeError
from supplychain_kg.namespaces import SKG
from supplychain_kg.paths import Projection
from supplychain_kg.service import KnowledgeGraph
from supplychain_kg.service import endpoint as service_endpoint
from supplychain_kg.service import paths as service_paths
from supplychain_kg.sparql import INDEX, QueryRequest, SparqlService, UpdateRequest
from supplychain_kg.sparql.accel.index import evaluate
from supplychain_kg.sparql.accel.plan import parse_plan
from supplychain_kg.sparql.results import CSV, JSON, TSV, XML
from supplychain_kg.sparql.runner import Answer
from tests.live import serve

E = "http://example.org/id/"
RELATIONS = ["sourcesFrom", "suppliesTo", "wonTender", "forProject"]
PREFIXES = f"PREFIX skg: <{SKG}>\nPREFIX e: <{E}>\n"
TOKEN = "index-token"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def _claim(name: str, s: int, r: str, o: int, stance: str = "Asserted") -> str:
    return (
        f'e:{name} a skg:Claim ; skg:slug "{name}" ; skg:subject e:e{s} ; skg:relation skg:{r} ; '
        f'skg:object e:e{o} ; skg:stance skg:{stance} ; skg:source e:src ; skg:quote "q" ; '
        'skg:attribution "a" .'
    )


SOURCE = (
    'e:src a skg:SourceDocument ; skg:slug "src" ; <http://purl.org/dc/terms/title> "S" ; '
    "<http://purl.org/dc/terms/publisher> e:e0 ."
)


def _graph_data(seed: int = 7) -> str:
    """Thirty entities, four claimed relations (with cycles and self-loops), each direct
    triple backed by an asserting claim, denied-only and disputed claims, labels, types, and
    a named graph of triples that must never be seen."""
    rng = random.Random(seed)
    direct = {(rng.randrange(30), rng.choice(RELATIONS), rng.randrange(30)) for _ in range(90)}
    direct |= {(3, "sourcesFrom", 3), (4, "suppliesTo", 5), (5, "suppliesTo", 4)}
    lines = [f"e:e{s} skg:{r} e:e{o} ." for s, r, o in sorted(direct)]
    lines += [_claim(f"a{n}", *edge) for n, edge in enumerate(sorted(direct))]
    lines += [f'e:e{i} <http://www.w3.org/2000/01/rdf-schema#label> "E {i}" .' for i in range(30)]
    lines += [f'e:e{i} a skg:Company ; skg:slug "e{i}" .' for i in range(30)]
    lines.append(SOURCE)
    denied = [(s, r, o) for s, r, o in ((i, RELATIONS[i % 4], (i * 7) % 30) for i in range(12))]
    denied += sorted(direct)[:3]  # disputed: a triple and a denial
    for n, (s, r, o) in enumerate(denied):
        lines.append(_claim(f"c{n}", s, r, o, "Denied"))
    named = " ".join(f"e:e{i} skg:sourcesFrom e:e{(i + 1) % 30} ." for i in range(30))
    return f"{PREFIXES}INSERT DATA {{ {' '.join(lines)} GRAPH e:g {{ {named} }} }}"


def _make_kg(accel: bool = True) -> KnowledgeGraph:
    settings = Settings(memory=True, seed=False, sparql_accel=accel, write_token=TOKEN)
    kg = KnowledgeGraph.open(settings)
    kg.store.update(_graph_data())
    return kg


@pytest.fixture(scope="module")
def indexed() -> Iterator[SparqlService]:
    kg = _make_kg()
    service = kg.sparql_service()
    assert service.index is not None and service.index.build_now()
    yield service
    kg.close()


# -- comparing answers -------------------------------------------------------------------------


def _bag(answer: Answer) -> Counter[frozenset[tuple[str, str]]]:
    data = json.loads(answer.body)
    return Counter(
        frozenset((var, json.dumps(term, sort_keys=True)) for var, term in row.items())
        for row in data["results"]["bindings"]
    )


def _both(service: SparqlService, text: str) -> tuple[Answer, Answer]:
    request = QueryRequest(text, JSON, None)
    return service.query(request), service.runner.run(service.job(request))


# -- generated queries -------------------------------------------------------------------------


def _term(rng: random.Random, used: list[str]) -> str:
    roll = rng.random()
    if roll < 0.25:
        return rng.choice([f"e:e{rng.randrange(30)}", f"<{E}e{rng.randrange(30)}>", "e:e99"])
    if used and roll < 0.7:
        return f"?{rng.choice(used)}"
    return f"?{rng.choice('abcd')}"


def _path(rng: random.Random) -> str:
    r1, r2 = (f"skg:{rng.choice(RELATIONS)}" for _ in range(2))
    return rng.choice(
        [
            *(r1, r1, f"<{SKG}{r1[4:]}>", f"{r1}+", f"{r1}*", f"^{r1}", f"{r1}/{r2}"),
            *(f"^{r1}+", f"{r1}+/{r2}", f"{r1}/^{r2}", f"{r1}*/{r2}"),
        ]
    )


def _query(rng: random.Random) -> tuple[str, bool]:
    """A query in the subset and whether it has a LIMIT."""
    used: list[str] = []
    patterns = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        subject = _term(rng, used)
        used += [subject[1:]] if subject.startswith("?") else []
        obj = subject if rng.random() < 0.08 and subject.startswith("?") else _term(rng, used)
        used += [obj[1:]] if obj.startswith("?") else []
        patterns.append(f"{subject} {_path(rng)} {obj}")
    where = " .\n  ".join(patterns)
    names = sorted(set(used)) or ["a"]
    roll = rng.random()
    if roll < 0.3:
        counted = rng.choice(["*", f"?{rng.choice(names)}", f"DISTINCT ?{rng.choice(names)}"])
        if "/" not in where and rng.random() < 0.2:
            counted = "DISTINCT *"
        head = f"SELECT (COUNT({counted}) AS ?n)"
    else:
        chosen = rng.sample(names, rng.randint(1, len(names)))
        if rng.random() < 0.1:
            chosen.append("unused")
        head = (
            f"SELECT {'DISTINCT ' if rng.random() < 0.5 else ''}{' '.join('?' + v for v in chosen)}"
        )
    limited = rng.random() < 0.1
    tail = f" LIMIT {rng.randint(0, 12)}" if limited else ""
    return f"{PREFIXES}{head} WHERE {{\n  {where} }}{tail}", limited


def test_generated_queries_get_the_same_answers_from_the_graph_index_as_from_oxigraph(
    indexed: SparqlService,
) -> None:
    rng = random.Random(2026)
    answered = 0
    total = 400
    for _ in range(total):
        text, limited = _query(rng)
        assert parse_plan(text, indexed.kg.ontology.claimed_relations) is not None, text
        fast, slow = _both(indexed, text)
        if fast.engine != INDEX:
            continue  # a '*' path with no end bound: Oxigraph's (checked to happen rarely)
        answered += 1
        if limited:
            unlimited, _, limit_text = text.rpartition(" LIMIT ")
            got, full = _bag(fast), _bag(_both(indexed, unlimited)[1])
            limit = int(limit_text)
            assert sum(got.values()) == min(limit, sum(full.values())), text
            if "COUNT" not in text:
                assert not got - full, text
            continue
        assert _bag(fast) == _bag(slow), text
    assert answered > total * 0.85


def test_a_cycle_a_self_loop_and_a_repeated_variable_are_answered_like_oxigraph(
    indexed: SparqlService,
) -> None:
    for text in [
        "SELECT ?x WHERE { ?x skg:sourcesFrom ?x }",
        "SELECT ?x WHERE { ?x skg:suppliesTo+ ?x }",
        "SELECT ?y WHERE { e:e4 skg:suppliesTo* ?y }",
        "SELECT ?y WHERE { e:e99 skg:suppliesTo* ?y }",
        "SELECT ?x WHERE { ?x skg:suppliesTo* e:e99 }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?x skg:suppliesTo/skg:suppliesTo ?y }",
        "SELECT ?x ?y WHERE { ?x skg:suppliesTo ?y ; skg:suppliesTo ?y , e:e5 }",
        "SELECT * WHERE { ?x skg:suppliesTo ?y }",
    ]:
        fast, slow = _both(indexed, PREFIXES + text)
        assert _bag(fast) == _bag(slow), text
        assert (fast.engine == INDEX) == (not text.startswith("SELECT *")), text


def test_denied_only_claims_and_named_graph_triples_are_never_answered(
    indexed: SparqlService,
) -> None:
    denied_only = [(i, RELATIONS[i % 4], (i * 7) % 30) for i in range(12)]
    for s, r, _ in denied_only:
        fast, slow = _both(indexed, f"{PREFIXES}SELECT ?o WHERE {{ e:e{s} skg:{r} ?o }}")
        assert fast.engine == INDEX
        assert _bag(fast) == _bag(slow)
    fast, slow = _both(indexed, f"{PREFIXES}SELECT ?o WHERE {{ e:e29 skg:sourcesFrom e:e0 }}")
    assert fast.engine == INDEX and _bag(fast) == _bag(slow)


# -- falling back ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
        "SELECT * WHERE { ?s skg:sourcesFrom ?o }",
        "SELECT ?s WHERE { ?s a skg:Company }",
        "SELECT ?s WHERE { ?s skg:subject ?o }",
        "SELECT ?s WHERE { ?s skg:sourcesFrom ?o FILTER(?o != e:e1) }",
        "SELECT ?s WHERE { ?s skg:sourcesFrom ?o OPTIONAL { ?o skg:suppliesTo ?x } }",
        "SELECT ?s WHERE { { ?s skg:sourcesFrom ?o } UNION { ?s skg:suppliesTo ?o } }",
        "SELECT ?s WHERE { GRAPH e:g { ?s skg:sourcesFrom ?o } }",
        "SELECT ?s FROM e:g WHERE { ?s skg:sourcesFrom ?o }",
        "SELECT ?s WHERE { ?s skg:sourcesFrom ?o } ORDER BY ?s",
        "SELECT ?s WHERE { ?s skg:sourcesFrom ?o } LIMIT 2 OFFSET 1",
        "SELECT ?s WHERE { ?s skg:sourcesFrom|skg:suppliesTo ?o }",
        "SELECT ?s WHERE { ?s skg:sourcesFrom? ?o }",
        'SELECT ?s WHERE { ?s skg:sourcesFrom "E 1" }',
        "SELECT ?s WHERE { ?s skg:sourcesFrom [] }",
        "SELECT ?s WHERE { ?s <sourcesFrom> ?o }",
        "SELECT ?o (COUNT(?s) AS ?n) WHERE { ?s skg:sourcesFrom ?o } GROUP BY ?o",
        "ASK { ?s skg:sourcesFrom ?o }",
        "CONSTRUCT { ?s skg:sourcesFrom ?o } WHERE { ?s skg:sourcesFrom ?o }",
        "SELECT ?x ?y WHERE { ?x skg:sourcesFrom* ?y }",
        "SELECT ?s WHERE { ?s skg:sourcesFrom ?o } VALUES ?o { e:e1 }",
    ],
)
def test_queries_outside_the_subset_are_answered_by_oxigraph(
    indexed: SparqlService, text: str
) -> None:
    request = QueryRequest(PREFIXES + text, JSON, "text/turtle", base_iri=f"{E}sparql")
    answer = indexed.query(request)
    assert answer.engine == "oxigraph"
    assert answer.body == indexed.runner.run(indexed.job(request)).body


def test_a_dataset_in_the_request_goes_to_oxigraph(indexed: SparqlService) -> None:
    text = f"{PREFIXES}SELECT ?s ?o WHERE {{ ?s skg:sourcesFrom ?o }}"
    answer = indexed.query(QueryRequest(text, JSON, None, default_graphs=(f"{E}g",)))
    assert answer.engine == "oxigraph"
    assert sum(_bag(answer).values()) == 30


def test_a_relation_with_a_literal_or_blank_object_falls_back_to_oxigraph() -> None:
    kg = _make_kg()
    try:
        kg.store.update(f'{PREFIXES}INSERT DATA {{ e:e1 skg:suppliesTo "a name" }}')
        service = kg.sparql_service()
        assert service.index is not None and service.index.build_now()
        fast, slow = _both(service, f"{PREFIXES}SELECT ?s ?o WHERE {{ ?s skg:suppliesTo ?o }}")
        assert fast.engine == "oxigraph" and _bag(fast) == _bag(slow)
        fast, _ = _both(service, f"{PREFIXES}SELECT ?s ?o WHERE {{ ?s skg:wonTender ?o }}")
        assert fast.engine == INDEX
    finally:
        kg.close()


def test_a_stale_index_falls_back_and_matches_oxigraph_after_updates() -> None:
    kg = _make_kg()
    try:
        service = kg.sparql_service()
        assert service.index is not None and service.index.build_now()
        text = f"{PREFIXES}SELECT ?x WHERE {{ e:e0 skg:forProject+ ?x }}"
        new = f'e:e40 a skg:Company ; skg:slug "e40" ; <{RDFS}label> "E 40" . ' + (
            f'e:e41 a skg:Company ; skg:slug "e41" ; <{RDFS}label> "E 41" . '
        )
        for update in [
            f"{PREFIXES}INSERT DATA {{ {new} e:e0 skg:forProject e:e40 . "
            f"e:e40 skg:forProject e:e41 . {_claim('n1', 0, 'forProject', 40)} "
            f"{_claim('n2', 40, 'forProject', 41)} }}",
            f"{PREFIXES}DELETE WHERE {{ e:e40 skg:forProject e:e41 . e:n2 ?p ?o }}",
            f"{PREFIXES}DELETE {{ e:e0 skg:forProject ?o . ?c ?p ?v }} WHERE {{ "
            "{ e:e0 skg:forProject ?o } UNION "
            "{ ?c skg:subject e:e0 ; skg:relation skg:forProject ; ?p ?v } }",
        ]:
            service.update(UpdateRequest(update, TOKEN))
            assert service.index.current() is None or service.index.build_now()
            stale, _ = _both(service, text)
            assert service.index.build_now()
            fast, slow = _both(service, text)
            assert fast.engine == INDEX and _bag(fast) == _bag(slow)
            assert _bag(stale) == _bag(slow)
        assert _bag(fast) == Counter()
    finally:
        kg.close()


def test_a_store_write_behind_the_index_makes_queries_fall_back_until_it_is_rebuilt(
    indexed: SparqlService,
) -> None:
    kg = _make_kg()
    try:
        service = kg.sparql_service()
        assert service.index is not None and service.index.build_now()
        kg.store.update(f"{PREFIXES}INSERT DATA {{ e:e1 skg:wonTender e:e50 }}")
        fast, slow = _both(service, f"{PREFIXES}SELECT ?t WHERE {{ e:e1 skg:wonTender ?t }}")
        assert fast.engine == "oxigraph" and _bag(fast) == _bag(slow)
        deadline = time.monotonic() + 10  # the background rebuild the stale query started
        while service.index.current() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        fast, slow = _both(service, f"{PREFIXES}SELECT ?t WHERE {{ e:e1 skg:wonTender ?t }}")
        assert fast.engine == INDEX and _bag(fast) == _bag(slow)
        assert {json.loads(r)["value"] for row in _bag(fast) for _, r in row} >= {f"{E}e50"}
    finally:
        kg.close()


def _entities(*numbers: int) -> str:
    return " ".join(
        f'e:e{n} a skg:Company ; skg:slug "e{n}" ; <{RDFS}label> "E {n}" .' for n in numbers
    )


def test_an_entity_a_write_leaves_in_no_triple_is_no_zero_length_match() -> None:
    kg = _make_kg()
    try:
        service = kg.sparql_service()
        assert service.index is not None and service.index.build_now()
        data = f"{_entities(70, 71)} e:e70 skg:sourcesFrom e:e71 . "
        data += _claim("z1", 70, "sourcesFrom", 71)
        service.update(UpdateRequest(f"{PREFIXES}INSERT DATA {{ {data} }}", TOKEN))
        service.update(UpdateRequest(f"{PREFIXES}DELETE DATA {{ {data} }}", TOKEN))
        for text in [
            "SELECT ?x WHERE { e:e70 skg:sourcesFrom* ?x }",
            "SELECT (COUNT(*) AS ?n) WHERE { e:e70 skg:sourcesFrom* e:e70 }",
            "SELECT ?x WHERE { ?x ^skg:sourcesFrom* e:e71 }",
        ]:
            fast, slow = _both(service, PREFIXES + text)
            assert fast.engine == INDEX and _bag(fast) == _bag(slow), text
        assert _bag(_both(service, f"{PREFIXES}SELECT ?x {{ e:e70 skg:sourcesFrom* ?x }}")[0]) == {}
        assert f"{E}e70" not in kg.projection()  # a patch leaves no node without an edge
    finally:
        kg.close()


def test_a_query_arriving_while_a_write_patches_waits_and_is_answered_by_the_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kg = _make_kg()
    try:
        service = kg.sparql_service()
        assert service.index is not None and service.index.build_now()
        projection = kg.projection()
        builds: list[object] = []
        build = service_paths.build_projection
        monkeypatch.setattr(
            service_paths, "build_projection", lambda *a, **k: builds.append(a) or build(*a, **k)
        )
        patching, release = threading.Event(), threading.Event()
        patch = Projection.patch

        def slow_patch(self: Projection, *args: object, **kwargs: object) -> None:
            patching.set()  # the store is written and at its new revision; the patch waits
            release.wait(10)
            patch(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Projection, "patch", slow_patch)
        data = f"{_entities(45)} e:e45 skg:wonTender e:e3 . {_claim('w45', 45, 'wonTender', 3)}"
        update = UpdateRequest(f"{PREFIXES}INSERT DATA {{ {data} }}", TOKEN)
        writer = threading.Thread(target=service.update, args=(update,))
        writer.start()
        assert patching.wait(10)
        text = f"{PREFIXES}SELECT ?x WHERE {{ e:e45 skg:wonTender+ ?x }}"
        answers: list[Answer] = []
        reader = threading.Thread(
            target=lambda: answers.append(service.query(QueryRequest(text, JSON, None)))
        )
        reader.start()
        reader.join(0.5)
        assert reader.is_alive(), "the reader did not wait for the patch"
        release.set()
        writer.join(10)
        reader.join(10)
        assert answers[0].engine == INDEX
        assert _bag(answers[0]) == _bag(_both(service, text)[1]) != {}
        assert builds == [] and kg._projection is projection  # patched, never rebuilt
    finally:
        kg.close()


def test_during_a_write_the_index_answers_as_the_store_was_before_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kg = _make_kg()
    try:
        service = kg.sparql_service()
        assert service.index is not None and service.index.build_now()
        checking, release = threading.Event(), threading.Event()
        check = service_endpoint.check_write

        def slow_check(*args: object) -> object:
            checking.set()  # the store is written; the write is not validated nor patched
            release.wait(10)
            return check(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(service_endpoint, "check_write", slow_check)
        text = f"{PREFIXES}SELECT ?x WHERE {{ e:e46 skg:wonTender+ ?x }}"
        before = _bag(_both(service, text)[1])
        data = f"{_entities(46)} e:e46 skg:wonTender e:e3 . {_claim('w46', 46, 'wonTender', 3)}"
        update = UpdateRequest(f"{PREFIXES}INSERT DATA {{ {data} }}", TOKEN)
        writer = threading.Thread(target=service.update, args=(update,))
        writer.start()
        try:
            assert checking.wait(10)
            during = service.query(QueryRequest(text, JSON, None))  # does not wait
            assert during.engine == INDEX and _bag(during) == before == {}
            zero = f"{PREFIXES}SELECT ?x WHERE {{ e:e99 skg:wonTender* ?x }}"
            assert service.query(QueryRequest(zero, JSON, None)).engine == "oxigraph"
        finally:
            release.set()
            writer.join(10)
        after, slow = _both(service, text)
        assert after.engine == INDEX and _bag(after) == _bag(slow) != before
    finally:
        kg.close()


def test_a_limit_past_what_oxigraph_reads_is_refused_as_oxigraph_refuses_it() -> None:
    kg = _make_kg()
    try:
        service = kg.sparql_service()
        assert service.index is not None and service.index.build_now()
        base = f"{PREFIXES}SELECT ?x WHERE {{ e:e1 skg:sourcesFrom* ?x }} LIMIT "
        fast, slow = _both(service, base + str(2**64 - 1))
        assert fast.engine == INDEX and _bag(fast) == _bag(slow)
        with serve(kg.settings, kg) as url, httpx.Client(timeout=30) as client:
            answer = client.get(f"{url}/sparql", params={"query": base + str(2**64)})
        assert answer.status_code == 400, answer.text
    finally:
        kg.close()


# -- limits and HTTP ---------------------------------------------------------------------------


def test_the_index_stops_at_the_time_limit_and_the_row_cap(indexed: SparqlService) -> None:
    relations = indexed.kg.ontology.claimed_relations
    plan = parse_plan(f"{PREFIXES}SELECT ?a ?b WHERE {{ ?a skg:suppliesTo+ ?b }}", relations)
    assert plan is not None
    projection = indexed.kg.projection()
    with pytest.raises(QueryTimeoutError, match="time limit of 2 s"):
        evaluate(plan, projection, time.monotonic() - 1, 1000, 2.0)
    with pytest.raises(ResultTooLargeError, match="more than 3 rows"):
        evaluate(plan, projection, time.monotonic() + 10, 3, 10.0)


@pytest.mark.parametrize("media_type", [JSON, XML, CSV, TSV])
def test_http_answers_are_the_same_with_and_without_the_index(media_type: str) -> None:
    text = f"""{PREFIXES}SELECT DISTINCT ?b ?c WHERE {{
        ?a skg:sourcesFrom ?b . ?b skg:suppliesTo+ ?c }}"""
    bodies = {}
    for accel in (True, False):
        kg = _make_kg(accel)
        if accel:
            assert kg.sparql_service().index is not None
            assert kg.sparql_service().index.build_now()  # type: ignore[union-attr]
        with serve(kg.settings, kg) as url, httpx.Client(timeout=30) as client:
            answer = client.get(
                f"{url}/sparql", params={"query": text}, headers={"accept": media_type}
            )
            posted = client.post(
                f"{url}/sparql",
                content=text,
                headers={"accept": media_type, "content-type": "application/sparql-query"},
            )
        kg.close()
        assert answer.status_code == posted.status_code == 200
        assert answer.headers["x-skg-engine"] == posted.headers["x-skg-engine"]
        assert answer.headers["x-skg-engine"] == (INDEX if accel else "oxigraph")
        assert answer.headers["content-type"].startswith(media_type)
        bodies[accel] = answer.content
    head_on, *rows_on = bodies[True].splitlines(keepends=True)
    head_off, *rows_off = bodies[False].splitlines(keepends=True)
    if media_type in (CSV, TSV):
        assert head_on == head_off and sorted(rows_on) == sorted(rows_off) and rows_on
    elif media_type == JSON:
        on, off = json.loads(bodies[True]), json.loads(bodies[False])
        assert on["head"] == off["head"]
        key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
        assert sorted(map(key, on["results"]["bindings"])) == sorted(
            map(key, off["results"]["bindings"])
        )
    else:
        assert bodies[True].count(b"<result>") == bodies[False].count(b"<result>") > 0


def test_the_index_can_be_switched_off_from_the_environment() -> None:
    assert Settings.from_env({"SKG_SPARQL_ACCEL": "0"}).sparql_accel is False
    assert Settings.from_env({}).sparql_accel is True
    kg = KnowledgeGraph.open(Settings(memory=True, seed=False, sparql_accel=False))
    try:
        assert kg.sparql_service().index is None
    finally:
        kg.close()


def test_over_http_the_index_answers_413_past_the_row_cap_and_503_past_the_time_limit() -> None:
    text = f"{PREFIXES}SELECT ?a ?b WHERE {{ ?a skg:suppliesTo+ ?b }}"
    for settings, status, words in [
        (Settings(memory=True, seed=False, result_cap=3), 413, "more than 3 rows"),
        (Settings(memory=True, seed=False, query_timeout=1e-6), 503, "time limit"),
    ]:
        kg = KnowledgeGraph.open(settings)
        kg.store.update(_graph_data())
        service = kg.sparql_service()
        assert service.index is not None and service.index.build_now()
        assert parse_plan(text, kg.ontology.claimed_relations) is not None
        with serve(settings, kg) as url, httpx.Client(timeout=30) as client:
            answer = client.get(f"{url}/sparql", params={"query": text})
        kg.close()
        assert answer.status_code == status and words in answer.text
