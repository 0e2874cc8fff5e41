"""Conversation state shared by the Rasa servers: history without personal data, and the lock.

Rasa's tracker stores keep every user message verbatim — phone numbers, one-time codes, the host
app's user token. The stores here save a redacted copy instead (``stores``). Because Rasa reloads
the tracker from the store at every turn, a value is usable only in the turn it arrives: the
dialogue sends a code as soon as it gets the phone number and checks a code as soon as it is
typed, and keeps only masked or opaque values (challenge id, masked phone) in slots.

Several Rasa servers on one conversation take turns through ``locks.AtomicRedisLockStore``, a
ticket lock whose steps are atomic in Redis (Rasa's open-source one is not).
"""
