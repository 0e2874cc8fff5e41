"""Serving knowledge at runtime: which apps exist, and each app's KnowledgeBase loaded from
knowledge.yml + overrides.yml.

``load_app`` is called on every turn, so the warm path is two ``stat`` calls and a dict lookup.
When either file changes (an operator re-ingests or edits overrides while the bot runs), the next
call reloads it: no restart, no retraining. If the new files are broken, the last good version
keeps being served (and the error is logged); with no good version, the error is raised.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from bot.knowledge.ingest import APP_ID, KNOWLEDGE_FILE, OVERRIDES_FILE
from bot.knowledge.model import InvalidKnowledge, KnowledgeBase, flat_paths, grouped_answers, knowledge_base

logger = logging.getLogger(__name__)

APPS_DIR_ENV = "PRIVACY_APPS_DIR"
DEFAULT_APPS_DIR = Path(__file__).resolve().parents[2] / "data" / "apps"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SETTABLE = ("name", "effective_date", "updated_date", "response_deadline", "cooling_off", "minors", "cancellation")
LISTS = ("paths", "contacts", "retention", "sdks", "answers", "other_deadlines", "clauses")


class UnknownApp(LookupError):
    """No knowledge base for this app id."""

    def __init__(self, app_id: str, known: List[str]) -> None:
        self.app_id, self.known = app_id, known
        listing = ", ".join(known) if known else "none"
        super().__init__(f"unknown app {app_id!r}; known apps: {listing}")


def apps_dir() -> Path:
    """Where app knowledge lives: $PRIVACY_APPS_DIR, default <repo>/data/apps."""
    configured = os.environ.get(APPS_DIR_ENV)
    return Path(configured) if configured else DEFAULT_APPS_DIR


def _root(directory: Optional[os.PathLike]) -> Path:
    return Path(directory) if directory is not None else apps_dir()


def list_apps(apps_dir: Optional[os.PathLike] = None) -> List[str]:
    root = _root(apps_dir)
    if not root.is_dir():
        return []
    return sorted(entry.name for entry in root.iterdir()
                  if APP_ID.match(entry.name) and (entry / KNOWLEDGE_FILE).is_file())


_Signature = Tuple[Optional[Tuple[int, int, int]], Optional[Tuple[int, int, int]]]
_cache: Dict[Tuple[str, str], Tuple[_Signature, KnowledgeBase]] = {}
_lock = threading.Lock()


def _stat(path: Path) -> Optional[Tuple[int, int, int]]:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def load_app(app_id: str, apps_dir: Optional[os.PathLike] = None) -> KnowledgeBase:
    """The app's knowledge base; UnknownApp if there is none."""
    root = _root(apps_dir)
    if not isinstance(app_id, str) or not APP_ID.match(app_id):
        raise UnknownApp(str(app_id), list_apps(root))
    directory = root / app_id
    signature = (_stat(directory / KNOWLEDGE_FILE), _stat(directory / OVERRIDES_FILE))
    key = (str(root), app_id)
    cached = _cache.get(key)
    if cached is not None and cached[0] == signature:
        return cached[1]
    if signature[0] is None:
        raise UnknownApp(app_id, list_apps(root))
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
        try:
            knowledge = read_app(directory)
        except (InvalidKnowledge, yaml.YAMLError, OSError) as error:
            if cached is None:
                raise InvalidKnowledge(f"app {app_id!r}: {error}") from error
            logger.error("Knowledge of app %r not reloaded, still serving the previous version: %s", app_id, error)
            knowledge = cached[1]
        _cache[key] = (signature, knowledge)
        return knowledge


def warm_up(apps_dir: Optional[os.PathLike] = None) -> List[str]:
    """Loads every app and builds its search index now, so no user waits for it later.

    The first search in a process loads jieba (~1 s) and each app's first search builds its
    index; a server calls this at start-up. Returns the apps loaded; broken apps are logged.
    """
    loaded = []
    for app_id in list_apps(apps_dir):
        try:
            load_app(app_id, apps_dir).search("个人信息", k=1)
            loaded.append(app_id)
        except InvalidKnowledge as error:
            logger.error("Knowledge of app %r could not be loaded: %s", app_id, error)
    return loaded


def _read_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_Loader)


def read_app(directory: Path) -> KnowledgeBase:
    """knowledge.yml with overrides.yml applied, uncached."""
    data = _read_yaml(directory / KNOWLEDGE_FILE)
    if not isinstance(data, dict):
        raise InvalidKnowledge(f"{directory / KNOWLEDGE_FILE}: expected a mapping")
    overrides_path = directory / OVERRIDES_FILE
    overrides = _read_yaml(overrides_path) if overrides_path.is_file() else None
    if overrides:
        data = apply_overrides(data, overrides, str(overrides_path))
    return knowledge_base(data)


def _matches(item: Mapping[str, Any], selector: Mapping[str, Any]) -> bool:
    return all(item.get(field) == value for field, value in selector.items())


def apply_overrides(data: Dict[str, Any], overrides: Any, where: str = OVERRIDES_FILE) -> Dict[str, Any]:
    """knowledge.yml's data with ``set``, then ``remove``, then ``add`` applied."""
    if not isinstance(overrides, Mapping):
        raise InvalidKnowledge(f"{where}: expected a mapping with set/add/remove")
    unknown = set(overrides) - {"set", "add", "remove"}
    if unknown:
        raise InvalidKnowledge(f"{where}: unknown section(s) {sorted(unknown)}; use set, add, remove")
    data = dict(data)
    data["paths"] = flat_paths(data)
    data["answers"] = [{"topic": topic, **item} for topic, items in grouped_answers(data).items() for item in items]
    for field, value in (overrides.get("set") or {}).items():
        if field not in SETTABLE:
            raise InvalidKnowledge(f"{where}: set.{field} is not settable; settable: {', '.join(SETTABLE)}")
        data[field] = value
    for action in ("remove", "add"):
        section = overrides.get(action) or {}
        if not isinstance(section, Mapping):
            raise InvalidKnowledge(f"{where}: {action} must map a list name to items")
        for field, items in section.items():
            if field not in LISTS:
                raise InvalidKnowledge(f"{where}: {action}.{field} is not a list; lists: {', '.join(LISTS)}")
            if not isinstance(items, list) or not all(isinstance(item, Mapping) and item for item in items):
                raise InvalidKnowledge(f"{where}: {action}.{field} must be a list of non-empty mappings")
            current = list(data.get(field) or [])
            if action == "remove":
                current = [item for item in current if not any(_matches(item, s) for s in items)]
            else:
                current.extend(dict(item) for item in items)
            data[field] = current
    return data


def unmatched_removals(directory: Path) -> List[str]:
    """Remove rules in overrides.yml that match nothing in knowledge.yml (stale after re-ingest)."""
    overrides_path = directory / OVERRIDES_FILE
    overrides = _read_yaml(overrides_path) if overrides_path.is_file() else None
    if not isinstance(overrides, Mapping):
        return []
    data = _read_yaml(directory / KNOWLEDGE_FILE)
    data = dict(data, paths=flat_paths(data),
                answers=[{"topic": t, **i} for t, items in grouped_answers(data).items() for i in items])
    stale = []
    for field, selectors in (overrides.get("remove") or {}).items():
        for selector in selectors or []:
            if not any(_matches(item, selector) for item in data.get(field) or []):
                stale.append(f"remove.{field}: {dict(selector)}")
    return stale

