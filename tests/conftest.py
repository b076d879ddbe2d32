"""Shared fixtures: the codebook, the ../shared folder (skips with a reason when absent)."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def codebook():
    from nlp.codebook import load_codebook

    return load_codebook()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout; tests using it must also carry @pytest.mark.shared."""
    if not (SHARED / "gold" / "train.jsonl").exists():
        pytest.skip("../shared (read-only project data) is absent: this test needs ../shared/gold and ../shared/corpora")
    return SHARED
