"""A local WeChat for development and tests: it plays WeChat's servers towards our channel.

``python -m bot.channels.wechat_sim`` (port ``WECHAT_SIM_PORT``, default 8070, on 127.0.0.1
only) serves:

- WeChat's API as the channel calls it — ``stable_token``, ``custom/send``, ``custom/typing`` —
  with WeChat's rules: token lifetimes and forced refreshes, the customer-service quota and
  48-hour window, the typing rules, and WeChat's error codes (``platform``);
- message pushes to the Rasa server, signed and encrypted like WeChat's in every mode
  (plaintext, compatible, safe) and both data formats (JSON, XML), retried when slow: 3
  attempts, 5 s each (``pusher``);
- control routes to expire tokens, use up quotas, inject faults and read what each simulated
  user saw (``server``), and a page where a person chats as a mini-program user of a chosen app.

An app configured in the environment (``WECHAT_<APP>_APPID``, ``_TOKEN``, ``_AES_KEY``,
``_SECRET``, as the Rasa server reads them; the simulator's ``WECHAT_SIM_<APP>_MODE`` and
``_FORMAT``) is simulated with those settings; every other app gets made-up development
credentials, kept in ``<WECHAT_SIM_STATE_DIR>/credentials.json`` (``credentials``; ``make run``
writes them first and gives the Rasa server and the simulator the matching environment).

It is a development tool: it refuses to start when ``PRIVACY_ENV=production``, and the channel
refuses a non-HTTPS ``WECHAT_API_BASE`` in production.
"""
