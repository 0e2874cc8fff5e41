"""Rasa input channels: how users' messages reach the assistant.

- ``app_chat`` — in-app online customer service (the chat page and host apps), REST-shaped, in
  conversations the server starts (``bot.conversation_tokens``);
- ``wechat`` — WeChat mini-program customer-service messages.

Channels authenticate and route (which conversation, which app, which platform); they never
decide what to answer. ``choices`` says what typed text may stand for (an offered button, never
a raw ``/intent`` command). Each channel module installs ``rasa_patches`` when the Rasa server
loads it; nothing here imports Rasa, so tools beside a channel (the WeChat simulator) stay light.
"""
