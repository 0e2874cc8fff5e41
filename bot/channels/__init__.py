"""Rasa input channels: how users' messages reach the assistant.

- ``app_chat`` — in-app online customer service (the chat page and host apps), REST-shaped.

Channels validate and route (which app a conversation belongs to, which platform it runs on);
they never decide what to answer.
"""
