"""Shared fixtures: paths of the scenario files the tests use (none outside the repo)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "scenarios" / "russia_iran_2025.yaml"

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture
def tiny_path() -> Path:
    return FIXTURES / "tiny.yaml"


@pytest.fixture
def seed_path() -> Path:
    return SEED
