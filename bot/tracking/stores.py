"""Tracker stores that persist redacted events: in memory (local default) and SQL (production)."""
from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
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


@dataclass
class _LoadedSession:
    """The stored events of a conversation's latest session, as objects, and the newest row's id."""

    last_id: int
    events: List[Event]


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore (PostgreSQL in production) that keeps only redacted history.

    Two costs of Rasa's store grow with every turn of a conversation, and are avoided here:

    - **finding the new events on save**: Rasa counts the latest session's rows on every save. A
      tracker this store loaded or saved remembers how many of its events are stored, so saving it
      writes the rest straight away;
    - **loading the tracker**: Rasa reads and parses every row of the session at the start of each
      turn. This store keeps, per conversation it served recently, the session's (redacted) event
      objects and the id of the newest row; when one indexed ``max(id)`` query shows that no
      process has written since, the tracker is rebuilt from those objects — the same events a
      read would return, without reading them.

    The conversation lock keeps other processes from writing between the load at the start of a
    turn and the save at its end — the guarantee Rasa's own count relies on too."""

    # ~100 KB of event objects per conversation of a dozen turns: 500 cost ~50 MB per process
    RECENT_CONVERSATIONS = 500

    def __init__(self, *args: Any, recent_conversations: int = RECENT_CONVERSATIONS, **kwargs: Any) -> None:
        """``recent_conversations`` (``tracker_store.recent_conversations`` in the endpoints file):
        how many conversations' events each process keeps; 0 reads every tracker from the database."""
        super().__init__(*args, **kwargs)
        self.recent_conversations = int(recent_conversations)
        self._recent: "OrderedDict[str, _LoadedSession]" = OrderedDict()

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        if fetch_events_from_all_sessions or not self.domain:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            recent = self._recent.pop(sender_id, None)
            if recent is not None and recent.last_id == self._last_id(session, sender_id):
                tracker = DialogueStateTracker.from_events(sender_id, list(recent.events), self.domain.slots)
            else:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
                if not rows:
                    return None
                tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(row.data) for row in rows],
                                                         self.domain.slots)
                recent = _LoadedSession(rows[-1].id, list(tracker.events))
        if tracker.events.maxlen is None:
            self._keep(sender_id, recent)
            _remember_stored(tracker)
        return tracker

    def _last_id(self, session, sender_id: str) -> Optional[int]:
        return session.execute(sa.select(sa.func.max(self.SQLEvent.id))
                               .where(self.SQLEvent.sender_id == sender_id)).scalar()

    def _keep(self, sender_id: str, loaded: _LoadedSession) -> None:
        self._recent[sender_id] = loaded
        self._recent.move_to_end(sender_id)
        while len(self._recent) > self.recent_conversations:
            self._recent.popitem(last=False)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        stored = getattr(tracker, _STORED_EVENTS, None)
        with self.session_scope() as session:
            new_events = self._unstored_events(session, tracker, stored)
            rows, redacted = [], []
            for event in new_events:
                data = redact_event(event.as_dict())
                redacted.append(data)
                rows.append(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.add_all(rows)
            session.flush()  # assigns the rows' ids
            last_id = rows[-1].id if rows else None
            session.commit()
        self._extend_recent(tracker.sender_id, stored, new_events, redacted, last_id)
        _remember_stored(tracker)

    def _extend_recent(self, sender_id: str, stored: Optional[int], new_events: List[Event],
                       redacted: List[Dict[str, Any]], last_id: Optional[int]) -> None:
        """The kept session plus what was just written — when it is exactly what a read would give."""
        recent = self._recent.get(sender_id)
        if recent is None or last_id is None:
            return
        if stored != len(recent.events) or any(isinstance(e, SessionStarted) for e in new_events):
            # a tracker from elsewhere, or a new session (a read returns only the new session)
            del self._recent[sender_id]
            return
        recent.events.extend(Event.from_parameters(data) for data in redacted)
        recent.last_id = last_id
        self._recent.move_to_end(sender_id)

    def _unstored_events(self, session, tracker: DialogueStateTracker, stored: Optional[int]) -> List[Any]:
        if stored is None or stored > len(tracker.events):
            return list(self._additional_events(session, tracker))  # a tracker from elsewhere: count
        return list(itertools.islice(tracker.events, stored, None))


# attribute of a tracker object: how many of its events are in the store
_STORED_EVENTS = "_privacy_desk_stored_events"


def _remember_stored(tracker: DialogueStateTracker) -> None:
    if tracker.events.maxlen is None:  # a capped history drops old events: counting is needed
        setattr(tracker, _STORED_EVENTS, len(tracker.events))
