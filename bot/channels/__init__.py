"""Rasa input channels: how users' messages reach the assistant.

- ``app_chat`` — in-app online customer service (the chat page and host apps), REST-shaped, in
  conversations the server starts (``conversations``);
- ``wechat`` — WeChat mini-program customer-service messages.

Channels authenticate and route (which conversation, which app, which platform); they never
decide what to answer. ``choices`` says what typed text may stand for (an offered button, never
a raw ``/intent`` command). Loading this package in the Rasa server installs ``rasa_patches``.
"""
from bot.channels import rasa_patches
from bot.redaction import install_log_masking

rasa_patches.install()
install_log_masking()
