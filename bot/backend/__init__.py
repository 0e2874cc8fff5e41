"""The privacy-request backend: the system of record for deletion, export and unsubscribe requests.

It owns users' identity verification (one-time codes, host-app user tokens, short-lived identity
tokens), privacy requests with their statuses, due dates and audit trail, and their execution
(channel preferences, ZIP exports, account erasure with de-identified transaction retention,
signed webhooks to downstream systems). The bot reaches it only through :mod:`bot.backend.client`.

Web framework: **aiohttp** (3.9.5, already pinned by rasa). Rasa's tree offers aiohttp and
Sanic 21.12; aiohttp was chosen because it runs as an ordinary object (no global app registry,
no process-forking server), so the same code serves ``python -m bot.backend serve`` and a test
fixture on a free loopback port; it enforces a body-size limit (``client_max_size``) natively;
and its middleware model keeps auth and error mapping in one place. Database work is synchronous
SQLAlchemy 1.4 (2.0 style) run in a thread pool, because rasa's tree has no async DB drivers.

Layout: ``config`` (environment, secrets), ``db``/``models``/``migrations`` (schema),
``security`` (tokens, hashing, signing), ``deadlines`` (working-day calendar), ``services/``
(business rules), ``api/`` (HTTP + OpenAPI), ``worker``, ``cli``, ``client``.
"""
