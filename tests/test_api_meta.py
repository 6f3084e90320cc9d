"""The HTTP app: health and stats (a fresh app per test, no network)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api import create_app
from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph


def test_health_answers_ok() -> None:
    app = create_app(Settings(memory=True), kg=KnowledgeGraph.open(Settings(memory=True)))
    with TestClient(app) as client:
        reply = client.get("/health")
    assert reply.status_code == 200
    assert reply.json()["status"] == "ok"


def test_stats_counts_the_seed_graph() -> None:
    kg = KnowledgeGraph.open(Settings(memory=True))
    with TestClient(create_app(Settings(memory=True), kg=kg)) as client:
        stats = client.get("/stats").json()
    assert stats["claims_by_stance"]["denied"] >= 2
    assert stats["entities"] == kg.stats()["entities"]


def test_settings_bind_loopback_by_default() -> None:
    assert Settings.from_env({}).host == "127.0.0.1"
    assert Settings.from_env({}).write_token is None
