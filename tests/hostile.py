"""Hostile SPARQL for the guard tests: every way we know to write a fetch, and a listener that
records any connection that gets through.

Each obfuscation below once walked past a guard somewhere (ours: the lexer that unescaped
``\\u0022`` into a quote; others': prefixes, BASE, comments, case). Keep every new bypass here.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

__all__ = ["Listener", "fetch_queries", "fetch_updates", "patterns"]


class Listener:
    """A TCP listener on 127.0.0.1 that records what every connection sends."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(4096))
                except OSError:
                    self.hits.append(b"")
                conn.sendall(b"HTTP/1.1 500 Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def _escape_all(text: str) -> str:
    return "".join(f"\\u{ord(c):04X}" for c in text)


def patterns(port: int) -> Iterator[tuple[str, str, str]]:
    """(name, prologue, group pattern) triples, each a SERVICE call to the listener."""
    url = f"http://127.0.0.1:{port}/sparql"
    host = f"127.0.0.1:{port}"
    inner = "{ ?s ?p ?o }"
    yield "plain", "", f"SERVICE <{url}> {inner}"
    yield "lower case", "", f"service <{url}> {inner}"
    yield "mixed case silent", "", f"SeRvIcE sIlEnT <{url}> {inner}"
    yield "comment and newlines", "", f"SERVICE # a comment\n\t<{url}>\n{inner}"
    yield "escaped colon in the IRI", "", f"SERVICE <http\\u003A//{host}/sparql> {inner}"
    yield "IRI written in escapes", "", f"SERVICE <{_escape_all(url)}> {inner}"
    yield "long escapes", "", f"SERVICE <\\U00000068ttp://{host}/sparql> {inner}"
    yield "escaped keyword", "", f"\\u0053ERVICE <{url}> {inner}"
    yield "quote escape in a string", "", f'BIND("\\u0022" AS ?x) SERVICE <{url}> {inner}'
    yield "escaped quote in a long string", "", f"BIND('''\\''' AS ?x) SERVICE <{url}> {inner}"
    yield "string holding quotes", "", f'BIND("""a"b""" AS ?x) SERVICE <{url}> {inner}'
    yield "prefixed name", f"PREFIX r: <http://{host}/>\n", f"SERVICE r:sparql {inner}"
    yield "empty prefix", f"PREFIX : <{url}>\n", f"SERVICE : {inner}"
    yield (
        "prefix redefined",
        f"PREFIX r: <http://safe.example/>\nPREFIX r: <http://{host}/>\n",
        f"SERVICE r:sparql {inner}",
    )
    yield "escaped prefix IRI", f"PREFIX r: <http\\u003A//{host}/>\n", f"SERVICE r:sparql {inner}"
    yield "BASE and a relative IRI", f"BASE <http://{host}/>\n", f"SERVICE <sparql> {inner}"
    yield (
        "BASE written in escapes",
        f"BASE <{_escape_all(f'http://{host}/')}>\n",
        (f"SERVICE <sparql> {inner}"),
    )
    yield "variable bound by BIND", "", f"BIND(<{url}> AS ?u) SERVICE ?u {inner}"
    yield "variable bound by VALUES", "", f"VALUES ?u {{ <{url}> }} SERVICE ?u {inner}"
    yield "inside OPTIONAL", "", f"OPTIONAL {{ SERVICE <{url}> {inner} }}"
    yield "inside a UNION", "", f"{{ ?a ?b ?c }} UNION {{ SERVICE <{url}> {inner} }}"
    yield "inside MINUS", "", f"?a ?b ?c MINUS {{ SERVICE <{url}> {inner} }}"
    yield "inside GRAPH", "", f"GRAPH ?g {{ SERVICE <{url}> {inner} }}"
    yield "inside EXISTS", "", f"?a ?b ?c FILTER EXISTS {{ SERVICE <{url}> {inner} }}"
    yield "inside NOT EXISTS", "", f"?a ?b ?c FILTER NOT EXISTS {{ SERVICE <{url}> {inner} }}"
    yield "inside a sub-query", "", f"{{ SELECT * WHERE {{ SERVICE <{url}> {inner} }} }}"
    yield (
        "nested SERVICE",
        "",
        f"SERVICE SILENT <http://safe.example/> {{ SERVICE <{url}> {inner} }}",
    )
    yield "user info in the IRI", "", f"SERVICE <http://user:pw@{host}/sparql> {inner}"
    yield "localhost", "", f"SERVICE <http://localhost:{port}/sparql> {inner}"
    yield "padded past the parser's reach", "#" + "x" * 70_000 + "\n", f"SERVICE <{url}> {inner}"


def fetch_queries(port: int) -> list[tuple[str, str]]:
    """(name, query) for every pattern, as SELECT, ASK and CONSTRUCT queries."""
    out = []
    for name, prologue, pattern in patterns(port):
        out.append((name, f"{prologue}SELECT * WHERE {{ {pattern} }}"))
    for name, prologue, pattern in list(patterns(port))[:6]:
        out.append((f"{name} (ASK)", f"{prologue}ASK {{ {pattern} }}"))
    return out


def construct_queries(port: int) -> list[tuple[str, str]]:
    """(name, query) for every pattern, as a CONSTRUCT query (for exports)."""
    return [
        (name, f"{prologue}CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {pattern} }}")
        for name, prologue, pattern in patterns(port)
    ]


def fetch_updates(port: int) -> list[tuple[str, str]]:
    """(name, update) for LOAD in every disguise and SERVICE inside update patterns."""
    url = f"http://127.0.0.1:{port}/data.ttl"
    host = f"127.0.0.1:{port}"
    out = [
        ("LOAD", f"LOAD <{url}>"),
        ("load silent into graph", f"load silent <{url}> into graph <http://g.example/>"),
        ("LOAD of a prefixed name", f"PREFIX x: <http://{host}/>\nLOAD x:data.ttl"),
        ("LOAD of an escaped IRI", f"LOAD <http\\u003A//{host}/data.ttl>"),
        (
            "LOAD after data",
            f"INSERT DATA {{ <http://a.example/> <http://b.example/> 1 }} ; LOAD <{url}>",
        ),
        (
            "LOAD after a quote escape",
            f'INSERT DATA {{ <http://a.example/> <http://b.example/> "\\u0022" }} ; LOAD <{url}>',
        ),
        ("LOAD with BASE", f"BASE <http://{host}/>\nLOAD <data.ttl>"),
        ("LOAD with a comment", f"LOAD # here\n<{url}>"),
    ]
    for name, prologue, pattern in list(patterns(port))[:12]:
        out.append(
            (f"{name} in INSERT WHERE", f"{prologue}INSERT {{ ?s ?p ?o }} WHERE {{ {pattern} }}")
        )
    return out
