"""One vocabulary: every layer's values are the contract's (bot.contract), and so are Rasa's files."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot import contract
from bot.contract import (
    CONVERSATION_CHANNELS, Channel, DataCategory, Permission, Platform, RequestStatus, RequestType,
)

REPO = Path(__file__).resolve().parents[1]


def load(name: str):
    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


def canonicalizer_entities() -> dict:
    pipeline = load("config.yml")["pipeline"]
    step = next(s for s in pipeline if s["name"].endswith("EntityCanonicalizer"))
    return step["entities"]


def test_the_domains_request_types_and_entities_are_the_contracts():
    domain = load("domain.yml")
    assert tuple(domain["slots"]["request_type"]["values"]) == RequestType.values()
    assert {"data_category", "channel", "permission", "phone_number", "verification_code",
            "request_id"} <= set(domain["entities"])


def test_the_nlus_canonical_values_are_the_contracts():
    entities = canonicalizer_entities()
    assert tuple(entities["data_category"]) == DataCategory.values()
    assert tuple(entities["channel"]) == CONVERSATION_CHANNELS
    assert tuple(entities["permission"]) == Permission.values()


def test_every_annotated_or_synonym_value_in_the_training_data_is_a_contract_value():
    allowed = {"data_category": set(DataCategory.values()), "channel": set(Channel.values()),
               "permission": set(Permission.values())}
    annotated = re.compile(r'\{"entity":\s*"(data_category|channel|permission)",\s*"value":\s*"([^"]+)"\}')
    seen = 0
    for path in sorted((REPO / "data" / "nlu").glob("*.yml")):
        for entity, value in annotated.findall(path.read_text(encoding="utf-8")):
            assert value in allowed[entity], (path.name, entity, value)
            seen += 1
    synonyms = [item["synonym"] for item in load("data/nlu/entities.yml")["nlu"] if "synonym" in item]
    every_value = set().union(*allowed.values())
    assert synonyms and all(value in every_value for value in synonyms)
    assert seen > 100  # the scan does see the annotations


def test_the_backend_knowledge_base_dialogue_and_channel_use_the_contracts_values():
    from bot.backend import config as backend
    from bot.backend.models import STATUSES
    from bot.backend.services.lifecycle import STATUS_LABELS as BACKEND_STATUS_LABELS
    from bot.channels.app_chat import PLATFORMS as CHANNEL_PLATFORMS
    from bot.dialogue import vocabulary as dialogue
    from bot.knowledge import vocab as knowledge

    assert backend.REQUEST_TYPES == RequestType.values() and STATUSES == RequestStatus.values()
    assert backend.CHANNELS == Channel.values()
    assert set(backend.DELETABLE_CATEGORIES) <= set(DataCategory.values())
    assert set(backend.AUTOMATIC_DELETION_CATEGORIES) <= set(backend.DELETABLE_CATEGORIES)
    assert BACKEND_STATUS_LABELS == dialogue.STATUS_LABELS == RequestStatus.labels()
    assert dialogue.REQUEST_TYPE_LABELS == RequestType.labels()
    assert dialogue.DATA_CATEGORY_LABELS == DataCategory.labels()
    assert CHANNEL_PLATFORMS == knowledge.PLATFORMS == Platform.values() == tuple(dialogue.PLATFORM_LABELS)
    assert knowledge.CATEGORIES == DataCategory.values() and knowledge.PERMISSIONS == Permission.values()
    assert knowledge.CHANNELS == CONVERSATION_CHANNELS


def test_no_module_spells_a_status_label_of_its_own():
    own_spelling = re.compile(r'"(cancelled|rejected|pending)":\s*"[^"]*[\u4e00-\u9fff]')
    for path in [*(REPO / "bot").rglob("*.py"), *(REPO / "actions").rglob("*.py")]:
        if path.name == "contract.py":
            continue
        assert not own_spelling.search(path.read_text(encoding="utf-8")), path


def test_the_conversation_id_pattern_is_what_the_backend_stores():
    from bot.backend.models import HandoffTicket

    assert HandoffTicket.__table__.c.conversation_id.type.length == contract.CONVERSATION_ID_MAX_CHARS
    assert contract.CONVERSATION_ID_PATTERN.endswith(f"{{1,{contract.CONVERSATION_ID_MAX_CHARS}}}")
