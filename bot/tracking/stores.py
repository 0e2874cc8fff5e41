"""Tracker stores that persist redacted events: in memory (local default) and SQL (production)."""
from __future__ import annotations

import itertools
import json
from typing import Any, Dict, List, Optional

from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot.identifiers import mask_phone, normalise_phone
from bot.redaction import mask

REDACTED = "[redacted]"
# metadata keys that are credentials, never stored
SECRET_METADATA_KEYS = ("user_token",)
# slots whose values are personal data; stored masked
MASKED_SLOTS = {"phone_number", "verification_code"}


def redact_event(event: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of a serialised Rasa event with personal data masked."""
    event = json.loads(json.dumps(event))  # deep copy of plain JSON data
    if event.get("event") == "user":
        if isinstance(event.get("text"), str):
            event["text"] = mask(event["text"])
        parse_data = event.get("parse_data") or {}
        if isinstance(parse_data.get("text"), str):
            parse_data["text"] = mask(parse_data["text"])
        for entity in parse_data.get("entities") or []:
            entity["value"] = _masked_value(entity.get("entity"), entity.get("value"))
        _redact_metadata(parse_data.get("metadata"))
        _redact_metadata(event.get("metadata"))
    elif event.get("event") == "slot":
        if event.get("name") in MASKED_SLOTS:
            event["value"] = _masked_value(event["name"], event.get("value"))
        elif event.get("name") == "session_started_metadata":
            _redact_metadata(event.get("value"))
    elif event.get("event") == "bot" and isinstance(event.get("text"), str):
        event["text"] = mask(event["text"])
    return event


def _masked_value(entity_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if entity_type == "phone_number":
        phone = normalise_phone(str(value))
        return mask_phone(phone) if phone else mask(str(value))
    if entity_type == "verification_code":
        return "******"
    return mask(value) if isinstance(value, str) else value


def _redact_metadata(metadata: Any) -> None:
    if isinstance(metadata, dict):
        for key in SECRET_METADATA_KEYS:
            if key in metadata:
                metadata[key] = REDACTED


def redacted_events(tracker: DialogueStateTracker) -> List[Dict[str, Any]]:
    return [redact_event(event.as_dict()) for event in tracker.events]


class RedactingInMemoryTrackerStore(InMemoryTrackerStore):
    """In-memory tracker store (the local default) that keeps only redacted history."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        dialogue = tracker.as_dialogue().as_dict()
        dialogue["events"] = redacted_events(tracker)
        self.store[tracker.sender_id] = json.dumps(dialogue)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore (PostgreSQL in production) that keeps only redacted history.

    Rasa's store finds a tracker's new events by counting, on every save, the rows of the latest
    session (a second query per save; 12% of a policy turn's CPU). A tracker this store loaded or
    saved remembers instead how many of its events are stored, so saving it writes the rest
    straight away. The conversation lock keeps other processes from writing between the load at
    the start of a turn and the save at its end — the same guarantee Rasa's count relies on."""

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if tracker is not None and not fetch_events_from_all_sessions:
            _remember_stored(tracker)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._unstored_events(session, tracker):
                data = redact_event(event.as_dict())
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        _remember_stored(tracker)

    def _unstored_events(self, session, tracker: DialogueStateTracker) -> List[Any]:
        stored = getattr(tracker, _STORED_EVENTS, None)
        if stored is None or stored > len(tracker.events):
            return list(self._additional_events(session, tracker))  # a tracker from elsewhere: count
        return list(itertools.islice(tracker.events, stored, None))


# attribute of a tracker object: how many of its events are in the store
_STORED_EVENTS = "_privacy_desk_stored_events"


def _remember_stored(tracker: DialogueStateTracker) -> None:
    if tracker.events.maxlen is None:  # a capped history drops old events: counting is needed
        setattr(tracker, _STORED_EVENTS, len(tracker.events))
