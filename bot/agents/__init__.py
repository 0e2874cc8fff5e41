"""The agent workspace: where human customer-service agents take over handed-off conversations,
with the assistant beside them (``python -m bot.agents``, port ``AGENT_PORT``, default 8090).

- ``config``        settings from the environment (port, tokens, session lifetime, WeChat apps);
- ``rasa_api``      the Rasa server's HTTP API: parse, read a conversation, append events;
- ``assist``        suggested replies for a user message, composed by the assistant's own answer
                    logic (``bot.dialogue.answers``), with their clauses and settings-path steps;
- ``next_action``   the next best action for a message and the conversation's verified identity;
- ``transcript``    a Rasa conversation as the agent reads it (masked);
- ``live``          one database poller per process fanning handoff events out to SSE streams
                    (also used by the chat page's server);
- ``delivery``      the agent's messages into the Rasa conversation, and to WeChat users;
- ``web_common``    what the routes share: app keys, JSON in and out, errors, security headers;
- ``auth``          agent sessions (cookie), CSRF, the login and logout routes;
- ``console_routes`` the console's JSON API and event stream;
- ``assist_api``    the service-token assist API and handoff event stream for operators' own desks;
- ``server``        the aiohttp application and ``main``.

Data and rules are the backend's (``bot.backend.services.agents``, ``handoff_queue``,
``agent_actions``, ``assist_reports``), used in-process on the same database. Operator guide:
``docs/agents.md``.
"""
