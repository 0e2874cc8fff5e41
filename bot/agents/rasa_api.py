"""The Rasa server's HTTP API, as the workspace uses it (``RASA_AUTH_TOKEN`` as ``?token=``):

- ``POST /model/parse``: the intent ranking and entities of a message;
- ``GET /conversations/{id}/tracker``: a conversation's (already redacted) events;
- ``POST /conversations/{id}/tracker/events``: append events — the agent's messages as bot
  events marked with the agent, and ``resume`` when the agent hands the conversation back.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=10)


class RasaUnavailable(RuntimeError):
    """Rasa's API could not be reached or refused the call."""


class RasaApi:
    def __init__(self, base_url: str, token: str, session: aiohttp.ClientSession | None = None) -> None:
        self.base_url, self.token = base_url.rstrip("/"), token
        self._session = session

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._session is None:  # created on the running loop, at first use
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _request(self, method: str, path: str, json: Any = None, **params: str) -> Any:
        try:
            async with self.http.request(method, self.base_url + path, json=json,
                                         params={"token": self.token, **params}) as response:
                if response.status >= 400:
                    raise RasaUnavailable(f"Rasa answered {response.status} on {method} {path.split('?')[0]}")
                return await response.json()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaUnavailable(f"Rasa unreachable: {type(error).__name__}") from None

    async def parse(self, text: str) -> dict:
        return await self._request("POST", "/model/parse", json={"text": text})

    async def tracker(self, conversation_id: str) -> dict:
        return await self._request("GET", f"/conversations/{quote(conversation_id, safe='')}/tracker",
                                   include_events="ALL")

    async def append_events(self, conversation_id: str, events: list[dict]) -> None:
        await self._request("POST", f"/conversations/{quote(conversation_id, safe='')}/tracker/events",
                            json=events, include_events="NONE")
