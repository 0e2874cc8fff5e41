"""What the WeChat channel itself says: situations of the protocol that never reach the assistant.

The assistant's answers come from ``bot.dialogue``; these few lines cover what only this channel
meets — a picture or a mini-program card instead of text, an over-long message, the assistant
being unavailable, and where a user's next messages go after a handoff to WeChat's own
customer-service tools. The text sent to the assistant when a user opens the chat is
``GREETING_TEXT``: the domain's ``greet`` intent answers it with the app's greeting.
"""
GREETING_TEXT = "你好"

ONLY_TEXT = "抱歉，我目前只能理解文字消息。请用文字描述您的问题，例如：怎么注销账号？"


def message_too_long(length: int, limit: int) -> str:
    return f"您的消息过长（{length} 字），请控制在 {limit} 字以内，分几次发送也可以。"


ASSISTANT_UNAVAILABLE = "客服助手暂时无法回复，请稍后再试。"

# after the dialogue's handoff message: WeChat forwards to its customer-service tools only the
# messages the user sends from now on
HANDOFF_NEXT_STEP = "请直接在这里继续留言，人工客服接入后会看到您之后发送的消息。"
