"""Real SPARQL clients against a running ``skg serve``: SPARQLWrapper, rdflib, Jena, roqet."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from tests.live import free_port

TOKEN = "client-test-token"
EX = "http://example.org/clients/"
DATA = f"""INSERT DATA {{
  <{EX}hikvision> <{EX}supplies> <{EX}fisca> ; <{EX}name> "Hikvision" .
  <{EX}fisca> <{EX}supplies> <{EX}mandalay> ; <{EX}name> "Fisca, \\"Ltd\\"" .
}}"""
SELECT = f"SELECT ?s ?o WHERE {{ ?s <{EX}supplies> ?o }} ORDER BY ?s"


@pytest.fixture(scope="module")
def skg_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`skg serve` in a subprocess on a free loopback port, with a few triples loaded."""
    port = free_port()
    store = tmp_path_factory.mktemp("clients") / "store"
    env = {**os.environ, "SKG_WRITE_TOKEN": TOKEN, "SKG_STORE": str(store)}
    command = [sys.executable, "-m", "supplychain_kg.cli", "-q", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"skg serve did not start: {process.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.1)
        answer = httpx.post(
            f"{url}/update",
            content=DATA,
            headers={
                "content-type": "application/sparql-update",
                "authorization": f"Bearer {TOKEN}",
            },
        )
        assert answer.status_code == 204, answer.text
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stderr:
            process.stderr.close()


def _wrapper(url: str, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_reads_json_xml_and_csv_results(skg_serve: str) -> None:
    rows = _wrapper(skg_serve, SELECT, JSON).queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert [(r["s"]["value"], r["o"]["value"]) for r in rows] == [
        (f"{EX}fisca", f"{EX}mandalay"),
        (f"{EX}hikvision", f"{EX}fisca"),
    ]
    xml = _wrapper(skg_serve, SELECT, XML).queryAndConvert()
    assert len(xml.getElementsByTagName("result")) == 2  # type: ignore[union-attr]
    csv = _wrapper(skg_serve, SELECT, CSV).queryAndConvert()
    assert csv.decode().splitlines()[0] == "s,o"  # type: ignore[union-attr]
    assert f"{EX}hikvision,{EX}fisca" in csv.decode()  # type: ignore[union-attr]


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_sparqlwrapper_asks_and_constructs(skg_serve: str) -> None:
    ask = f"ASK {{ <{EX}hikvision> <{EX}supplies> <{EX}fisca> }}"
    assert _wrapper(skg_serve, ask, JSON).queryAndConvert()["boolean"] is True  # type: ignore[index]
    construct = f"CONSTRUCT {{ ?s <{EX}sells> ?o }} WHERE {{ ?s <{EX}supplies> ?o }}"
    graph = _wrapper(skg_serve, construct, XML).queryAndConvert()
    assert isinstance(graph, Graph) and len(graph) == 2
    turtle = _wrapper(skg_serve, construct, TURTLE).queryAndConvert()
    assert len(Graph().parse(data=turtle, format="turtle")) == 2


def test_sparqlwrapper_updates_with_the_token(skg_serve: str) -> None:
    client = SPARQLWrapper(f"{skg_serve}/sparql", updateEndpoint=f"{skg_serve}/update")
    client.setMethod(POST)
    client.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    client.setQuery(f"INSERT DATA {{ <{EX}wrapper> <{EX}supplies> <{EX}x> }}")
    client.query()
    ask = f"ASK {{ <{EX}wrapper> <{EX}supplies> <{EX}x> }}"
    assert _wrapper(skg_serve, ask, JSON).queryAndConvert()["boolean"] is True  # type: ignore[index]


def test_rdflib_sparqlstore_and_sparqlupdatestore(skg_serve: str) -> None:
    remote = Graph(store=SPARQLStore(f"{skg_serve}/sparql"), identifier=DATASET_DEFAULT_GRAPH_ID)
    rows = list(remote.query(SELECT))
    assert (URIRef(f"{EX}hikvision"), URIRef(f"{EX}fisca")) in [tuple(r) for r in rows]  # type: ignore[arg-type]
    names = set(remote.objects(URIRef(f"{EX}fisca"), URIRef(f"{EX}name")))
    assert names == {Literal('Fisca, "Ltd"')}
    store = SPARQLUpdateStore(
        query_endpoint=f"{skg_serve}/sparql",
        update_endpoint=f"{skg_serve}/update",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    writable = Graph(store=store, identifier=DATASET_DEFAULT_GRAPH_ID)
    writable.add((URIRef(f"{EX}rdflib"), URIRef(f"{EX}supplies"), URIRef(f"{EX}y")))
    assert (URIRef(f"{EX}rdflib"), URIRef(f"{EX}supplies"), URIRef(f"{EX}y")) in remote


JAVA = Path("/usr/share/java")
JENA_JARS = [
    "jena-cmds",
    "jena-arq",
    "jena-core",
    "jena-base",
    "jena-iri",
    "jena-rdfconnection",
    "commons-io",
    "commons-lang3",
    "commons-codec",
    "commons-compress",
    "commons-csv",
    "commons-cli",
    "commons-text",
    "dexx.collection",
    "gson",
    "jackson-core",
    "jackson-databind",
    "jackson-annotations",
    "jsonld-java",
    "titanium-json-ld",
    "jakarta.json-api",
    "httpclient",
    "httpcore",
    "slf4j-api",
    "slf4j-nop",
    "thrift",
    "protobuf",
    "guava",
]


def _jena_classpath(tmp: Path) -> str:
    """Debian's Jena jars, one logging binding (slf4j-nop), and the message bundles of its
    relocated xerces copied where that copy looks for them (Debian moved the classes to
    ``xerces.*`` but left the bundles under ``org/apache/jena/ext/xerces``)."""
    bundles = tmp / "jena-bundles"
    with zipfile.ZipFile(JAVA / "jena-core.jar") as jar:
        for name in jar.namelist():
            prefix = "org/apache/jena/ext/xerces/"
            if name.startswith(prefix) and name.endswith(".properties"):
                target = bundles / "xerces" / name[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    jars = [JAVA / f"{name}.jar" for name in JENA_JARS]
    missing = [str(j) for j in jars if not j.is_file()]
    assert not missing, f"missing jars (install libapache-jena-java): {missing}"
    return os.pathsep.join([str(bundles), *map(str, jars)])


def test_jena_rsparql_reads_select_and_construct(skg_serve: str, tmp_path: Path) -> None:
    java = shutil.which("java")
    assert java, "java is missing (install libapache-jena-java)"
    classpath = _jena_classpath(tmp_path)
    base = [java, "-cp", classpath, "arq.rsparql", "--service", f"{skg_serve}/sparql"]
    query_file = tmp_path / "select.rq"
    query_file.write_text(SELECT)
    out = subprocess.run(
        [*base, "--query", str(query_file), "--results", "CSV"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert out.splitlines()[0] == "s,o"
    assert f"{EX}hikvision,{EX}fisca" in out
    construct = f"CONSTRUCT {{ ?s <{EX}sells> ?o }} WHERE {{ ?s <{EX}supplies> ?o }}"
    query_file.write_text(construct)
    out = subprocess.run(
        [*base, "--query", str(query_file), "--results", "NT"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert len(Graph().parse(data=out, format="nt")) >= 2


def test_jena_rsparql_posts_a_long_query(skg_serve: str, tmp_path: Path) -> None:
    """``rsparql --post`` (Jena's java.net.http client sends ``Upgrade: h2c`` on plain HTTP:
    the server must read the body all the same), with a query past any URL's length."""
    java = shutil.which("java")
    assert java, "java is missing (install libapache-jena-java)"
    padding = "".join(f"# padding line {i} of a long query\n" for i in range(400))
    query_file = tmp_path / "long.rq"
    query_file.write_text(padding + SELECT)
    assert len(query_file.read_bytes()) > 10_000
    out = subprocess.run(
        [
            java,
            "-cp",
            _jena_classpath(tmp_path),
            "arq.rsparql",
            "--post",
            "--service",
            f"{skg_serve}/sparql",
            "--query",
            str(query_file),
            "--results",
            "CSV",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert out.splitlines()[0] == "s,o"
    assert f"{EX}hikvision,{EX}fisca" in out and f"{EX}fisca,{EX}mandalay" in out


JENA_UPDATE = Path(__file__).parent / "fixtures" / "jena" / "JenaUpdate.java"


def _jena_update(
    url: str, token: str, mode: str, update: str, tmp: Path
) -> subprocess.CompletedProcess[str]:
    java = shutil.which("java")
    assert java, "java is missing (install libapache-jena-java)"
    update_file = tmp / f"update-{mode}.ru"
    update_file.write_text(update)
    command = [java, "-cp", _jena_classpath(tmp), str(JENA_UPDATE), f"{url}/update", token]
    return subprocess.run(
        [*command, mode, str(update_file)], check=False, capture_output=True, text=True, timeout=180
    )


def _has(url: str, subject: str) -> bool:
    ask = f"ASK {{ <{subject}> ?p ?o }}"
    answer = httpx.get(
        f"{url}/sparql",
        params={"query": ask},
        headers={"accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["boolean"])


@pytest.mark.parametrize("mode", ["BODY", "FORM"])
def test_jena_updates_with_the_token(skg_serve: str, tmp_path: Path, mode: str) -> None:
    """An authenticated update from Jena's HTTP client, as an ``application/sparql-update``
    body and as a form; without the right token the store is unchanged."""
    refused = f"{EX}jena-refused-{mode}"
    done = _jena_update(
        skg_serve, "not-the-token", mode, f"INSERT DATA {{ <{refused}> <{EX}p> 1 }}", tmp_path
    )
    assert done.returncode != 0 and "403" in done.stderr
    assert not _has(skg_serve, refused)
    written = f"{EX}jena-{mode}"
    done = _jena_update(
        skg_serve, TOKEN, mode, f"INSERT DATA {{ <{written}> <{EX}p> 1 }}", tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "updated"
    assert _has(skg_serve, written)


def test_a_post_asking_to_upgrade_to_h2c_keeps_its_body(skg_serve: str) -> None:
    """The request Jena sends, byte for byte in its headers: the server answers over HTTP/1.1
    and reads the body (uvicorn's httptools parser handed the app an empty one)."""
    host, port = skg_serve.removeprefix("http://").split(":")
    body = SELECT.encode()
    request = (
        f"POST /sparql HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\n"
        "Upgrade: h2c\r\nAccept: text/csv\r\nContent-Type: application/sparql-query\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"mandalay"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert f"{EX}fisca,{EX}mandalay".encode() in rest


def test_roqet_queries_the_endpoint_with_its_percent_encoding(skg_serve: str) -> None:
    roqet = shutil.which("roqet")
    assert roqet, "roqet is missing (install rasqal-utils)"
    out = subprocess.run(
        [roqet, "-q", "-p", f"{skg_serve}/sparql", "-r", "csv", "-e", SELECT],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert f"{EX}hikvision" in out and f"{EX}mandalay" in out
    # roqet -p reads every answer as variable bindings (an ASK comes back as 0 rows), so
    # only SELECT is checked; its query string percent-encodes letters (A%53%4B for ASK).
    name = f"SELECT ?n WHERE {{ <{EX}fisca> <{EX}name> ?n }}"
    out = subprocess.run(
        [roqet, "-q", "-p", f"{skg_serve}/sparql", "-r", "csv", "-e", name],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert 'Fisca, ""Ltd""' in out
