"""Dependency aliases for routers (``Annotated`` style)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from supplychain_kg.config import Settings
from supplychain_kg.service import KnowledgeGraph

__all__ = ["KG", "AppSettings", "get_kg", "get_settings"]


def get_kg(request: Request) -> KnowledgeGraph:
    kg: KnowledgeGraph = request.app.state.kg
    return kg


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


KG = Annotated[KnowledgeGraph, Depends(get_kg)]
AppSettings = Annotated[Settings, Depends(get_settings)]
