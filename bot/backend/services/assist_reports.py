"""How agents use the assistant's suggestions: per app and intent, how many replies were sent as
suggested, edited from a suggestion, or written from scratch.

The *acceptance rate* counts a reply that started from a suggestion (as is or edited); the
*as-is rate* only the unchanged ones. Agent-assist products are judged by these figures.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.backend.models import AssistFeedback
from bot.backend.services.agents import Principal
from bot.backend.services.context import Backend


def acceptance_by_intent(backend: Backend, principal: Principal, apps: list[str], *,
                         since: datetime | None = None) -> dict:
    """``{"items": [{app, intent, replies, as_is, edited, own, acceptance_rate, as_is_rate}], "total": {...}}``."""
    apps = [a for a in apps if principal.serves(a)]
    query = (select(AssistFeedback.app_id, AssistFeedback.intent, AssistFeedback.usage, func.count())
             .where(AssistFeedback.app_id.in_(apps))
             .group_by(AssistFeedback.app_id, AssistFeedback.intent, AssistFeedback.usage))
    if since is not None:
        query = query.where(AssistFeedback.created_at >= since)
    counts: dict[tuple, dict] = {}
    with backend.sessions() as session:
        for app_id, intent, usage, n in session.execute(query):
            row = counts.setdefault((app_id, intent or "unknown"), {"as_is": 0, "edited": 0, "own": 0})
            row[usage] = row.get(usage, 0) + n
    items = [_rates({"app": app_id, "intent": intent, **row}) for (app_id, intent), row in sorted(counts.items())]
    total = {"as_is": sum(i["as_is"] for i in items), "edited": sum(i["edited"] for i in items),
             "own": sum(i["own"] for i in items)}
    return {"items": items, "total": _rates(total)}


def _rates(row: dict) -> dict:
    replies = row["as_is"] + row["edited"] + row["own"]
    row["replies"] = replies
    row["acceptance_rate"] = round((row["as_is"] + row["edited"]) / replies, 3) if replies else None
    row["as_is_rate"] = round(row["as_is"] / replies, 3) if replies else None
    return row
