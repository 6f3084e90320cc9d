"""Browser-facing guards: the Host check against DNS rebinding, CORS off by default, and the
security headers (and HTML Content-Security-Policy) on every kind of answer."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from api import create_app
from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


# -- the Host check ------------------------------------------------------------------------

REBINDING = [
    "evil.example",
    "127.0.0.1.evil.example",
    "localhost.evil.example",
    "evil.example:8000",
]


def client_for(settings: Settings) -> TestClient:
    return TestClient(
        create_app(settings, kg=KnowledgeGraph.open(settings)), base_url="http://localhost"
    )


@pytest.mark.parametrize("host", REBINDING)
def test_dns_rebinding_hosts_get_400_on_a_loopback_bind(host: str) -> None:
    client = client_for(Settings(memory=True, seed=False))
    answer = client.get("/health", headers={"host": host})
    assert answer.status_code == 400
    assert answer.json()["setting"] == "SKG_ALLOWED_HOSTS"
    assert f"does not answer requests for host {host!r}" in answer.json()["detail"]
    sparql = client.get("/sparql", params={"query": "ASK {}"}, headers={"host": host})
    assert sparql.status_code == 400
    assert sparql.text.startswith("LimitError: this server does not answer requests for host")


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8000", "127.0.0.1:1", "[::1]:8000", "LOCALHOST"]
)
def test_loopback_names_are_answered(host: str) -> None:
    client = client_for(Settings(memory=True, seed=False))
    assert client.get("/health", headers={"host": host}).status_code == 200


def test_hosts_named_in_the_setting_are_answered() -> None:
    settings = Settings.from_env(
        {"SKG_ALLOWED_HOSTS": "evil.example, *.lan.example"}, memory=True, seed=False
    )
    client = client_for(settings)
    assert client.get("/health", headers={"host": "evil.example:8000"}).status_code == 200
    assert client.get("/health", headers={"host": "kg.lan.example"}).status_code == 200
    assert client.get("/health", headers={"host": "lan.example"}).status_code == 400
    assert client.get("/health", headers={"host": "localhost.evil.example"}).status_code == 400


def test_a_server_bound_elsewhere_checks_hosts_only_when_the_setting_is_given() -> None:
    open_bind = client_for(Settings(memory=True, seed=False, host="0.0.0.0"))
    assert open_bind.get("/health", headers={"host": "evil.example"}).status_code == 200
    guarded = client_for(
        Settings(memory=True, seed=False, host="0.0.0.0", allowed_hosts=("kg.example",))
    )
    assert guarded.get("/health", headers={"host": "kg.example"}).status_code == 200
    assert guarded.get("/health", headers={"host": "evil.example"}).status_code == 400


def test_an_ipv6_loopback_bind_is_guarded() -> None:
    client = client_for(Settings(memory=True, seed=False, host="::1"))
    assert client.get("/health", headers={"host": "evil.example"}).status_code == 400


# -- CORS ----------------------------------------------------------------------------------


def test_no_cors_header_by_default() -> None:
    assert Settings.from_env({}).cors_origins == ()
    client = client_for(Settings(memory=True, seed=False))
    origin = {"origin": "http://evil.example"}
    for answer in (
        client.get("/sparql", params={"query": "ASK {}"}, headers=origin),
        client.get("/health", headers=origin),
        client.options("/sparql", headers={**origin, "access-control-request-method": "POST"}),
    ):
        assert not any(k.startswith("access-control-") for k in answer.headers)


def test_the_configured_origin_gets_cors_headers_on_answers_and_errors() -> None:
    settings = Settings.from_env(
        {"SKG_CORS_ORIGINS": "http://tools.example"}, memory=True, seed=False, max_query_bytes=100
    )
    client = client_for(settings)
    origin = {"origin": "http://tools.example"}
    fast = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    posted = client.post(
        "/sparql", content="ASK {}", headers={**origin, "content-type": "application/sparql-query"}
    )
    too_big = client.post(
        "/sparql", content="#" * 200, headers={**origin, "content-type": "application/sparql-query"}
    )
    assert too_big.status_code == 413
    for answer in (fast, posted, too_big):
        assert answer.headers["access-control-allow-origin"] == "http://tools.example"
        assert "Origin" in answer.headers["vary"]
    other = client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"origin": "http://x.example"}
    )
    assert "access-control-allow-origin" not in other.headers


# -- security headers ----------------------------------------------------------------------


def _has_security_headers(answer: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, (answer.request.url, name)


def test_security_headers_are_on_every_kind_of_answer() -> None:
    settings = Settings(memory=True, seed=False, max_query_bytes=100)
    kg = KnowledgeGraph.open(settings)
    client = TestClient(
        create_app(settings, kg=kg), base_url="http://localhost", raise_server_exceptions=False
    )
    sparql_form = {"content-type": "application/sparql-query"}
    answers = {
        "explorer": client.get("/"),
        "editor": client.get("/sparql", headers={"accept": "text/html"}),
        "docs": client.get("/docs"),
        "json": client.get("/health"),
        "sparql fast path": client.get("/sparql", params={"query": "ASK {}"}),
        "sparql post": client.post("/sparql", content="ASK {}", headers=sparql_form),
        "not found": client.get("/no/such/page"),
        "syntax error": client.get("/sparql", params={"query": "ASK {"}),
        "too large": client.post("/sparql", content="#" * 200, headers=sparql_form),
        "forbidden": client.post("/update", content="CLEAR ALL", headers=sparql_form),
        "bad host": client.get("/health", headers={"host": "evil.example"}),
    }
    kg.stats = _boom  # type: ignore[method-assign]
    answers["internal error"] = client.get("/stats")
    assert answers["internal error"].status_code == 500
    for answer in answers.values():
        _has_security_headers(answer)
    for page in ("explorer", "editor", "docs"):
        policy = answers[page].headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src
    kg.close()


def _boom() -> None:
    raise RuntimeError("an unexpected failure")


def test_an_html_page_without_its_own_policy_gets_one_with_its_inline_scripts_by_hash() -> None:
    client = client_for(Settings(memory=True, seed=False))
    docs = client.get("/docs")
    policy = docs.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "'sha256-" in policy  # Swagger UI's inline start script, and no other
    assert "connect-src 'self'" in policy
    assert "http" not in policy  # no other origin: Swagger UI's files are served by the app
    assert client.get("/redoc").status_code == 404  # (ReDoc would load from a CDN)
