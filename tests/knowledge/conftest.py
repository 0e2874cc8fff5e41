"""Fixtures for the knowledge-base tests: the committed launch-app data and its policies."""
from __future__ import annotations

from typing import Callable

import pytest

from bot.knowledge import KnowledgeBase, load_app

from .helpers import APPS_DIR


@pytest.fixture(scope="session")
def app() -> Callable[[str], KnowledgeBase]:
    """The committed knowledge of a launch app, overrides applied (as the bot serves it)."""
    return lambda app_id: load_app(app_id, APPS_DIR)


@pytest.fixture(scope="session")
def policy_text() -> Callable[[str], str]:
    return lambda app_id: (APPS_DIR / app_id / "policy.txt").read_text(encoding="utf-8")
