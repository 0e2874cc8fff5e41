"""隐私助手 — the project's own package.

Subpackages, one per part of the help desk:

- ``bot.nlu``        custom Rasa NLU components (jieba tokenizer, entity canonicalisation)
- ``bot.knowledge``  per-app knowledge base built from privacy-policy text, and retrieval over it
- ``bot.backend``    the privacy-request service (HTTP API, models, worker, admin CLI)
- ``bot.dialogue``   what the assistant says and decides, independent of Rasa's action API
- ``bot.channels``   Rasa input channels (in-app chat, WeChat mini-program customer service)

``bot.text`` holds the Chinese text normalisation that all of them share.
"""
