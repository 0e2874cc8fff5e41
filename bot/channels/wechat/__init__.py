"""WeChat mini-program customer-service chat (客服消息): the second way users reach the assistant.

WeChat pushes a user's message to ``/webhooks/wechat/<app>/webhook``; the channel acknowledges it
at once and answers later through WeChat's customer-service API. The parts, each testable alone:

- ``config``        one app's WeChat settings, read from ``WECHAT_<APP>_*`` environment variables;
- ``crypto``        signatures, AES-256-CBC message encryption (WXBizMsgCrypt's scheme);
- ``messages``      parsing pushes and building passive replies, in XML and JSON;
- ``verification``  a push from the request: signature, timestamp window, decryption, appid;
- ``state``         what server processes share (in memory, or Redis): dedup, queues, locks, flags;
- ``inbox``         exactly-once acceptance and per-user ordered processing of pushes;
- ``access_token``  the shared, single-flight ``stable_token`` cache;
- ``api``           WeChat's HTTP API: ``stable_token``, ``custom/send``, ``custom/typing``;
- ``rendering``     the assistant's messages as WeChat text (buttons as numbered choices);
- ``delivery``      sending with retries, and the durable record of what could not be sent;
- ``channel``       the Rasa input channel (``WeChatInput``) that ties them together.

Rasa loads the channel from ``credentials.yml`` as ``bot.channels.wechat.channel.WeChatInput``.
Operator guide: ``docs/wechat.md``.
"""
