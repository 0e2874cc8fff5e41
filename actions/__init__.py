"""The rasa-sdk action server: adapts Rasa's tracker and dispatcher to ``bot``.

Business rules live in ``bot.dialogue`` (what to say and require), ``bot.knowledge`` (what the
policy says) and ``bot.backend`` (requests); these modules only read slots and metadata, call
those, and turn the results into messages and events.

    rasa run actions --actions actions
"""
import gc
import os

from bot.knowledge import warm_up
from bot.redaction import install_log_masking

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
install_log_masking()
# jieba and every app's search index are loaded when the server starts, not on a user's turn,
# then kept out of later garbage collections (a full collection over them stalls every turn)
warm_up()
gc.collect()
gc.freeze()
