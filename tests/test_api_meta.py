"""The HTTP app: health and stats (a fresh app per test, no network)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api import create_app
from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph


def test_health_answers_ok() -> None:
    app = create_app(Settings(memory=True), kg=KnowledgeGraph.open(Settings(memory=True)))
    with TestClient(app, base_url="http://localhost") as client:
        reply = client.get("/health")
    assert reply.status_code == 200
    assert reply.json()["status"] == "ok"


def test_stats_counts_the_seed_graph() -> None:
    kg = KnowledgeGraph.open(Settings(memory=True))
    with TestClient(
        create_app(Settings(memory=True), kg=kg), base_url="http://localhost"
    ) as client:
        stats = client.get("/stats").json()
    assert stats["claims_by_stance"]["denied"] >= 2
    assert stats["entities"] == kg.stats()["entities"]


def test_settings_bind_loopback_by_default() -> None:
    assert Settings.from_env({}).host == "127.0.0.1"
    assert Settings.from_env({}).write_token is None


def test_entity_answer_caps_relations_and_keeps_denials_first() -> None:
    kg = KnowledgeGraph.open(Settings(memory=True))
    with TestClient(
        create_app(Settings(memory=True), kg=kg), base_url="http://localhost"
    ) as client:
        full = client.get("/entities/hikvision").json()
        capped = client.get("/entities/hikvision", params={"limit": 2}).json()
        bad = client.get("/entities/hikvision", params={"limit": 0})
    assert full["relations_total"] == len(full["relations"]) > 2
    assert capped["relations_total"] == full["relations_total"]
    assert len(capped["relations"]) == 2
    assert {r["stance"] for r in capped["relations"]} == {"denied"}
    assert bad.status_code == 422
