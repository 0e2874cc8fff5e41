"""A turn's messages as one WeChat text: buttons as numbered choices, the handoff marker apart."""
from bot.channels.choices import chosen_payload, offered_buttons
from bot.channels.wechat.rendering import CHOICE_HINT, MAX_TEXT_BYTES, render_turn, split_for_wechat

BUTTONS = [{"title": "确认提交", "payload": "/affirm"}, {"title": "算了", "payload": "/deny"}]


def test_buttons_become_numbered_choices_with_one_hint():
    rendered = render_turn([{"text": "确认要注销账号吗？", "buttons": BUTTONS}])
    assert rendered.text == "确认要注销账号吗？\n1. 确认提交\n2. 算了\n（回复数字即可）"
    assert rendered.handoff is None


def test_a_turns_messages_merge_into_one_text_and_choices_number_across_them():
    rendered = render_turn([{"text": "第一段。"}, {"text": "选一个：", "buttons": BUTTONS[:1]},
                            {"text": "或者：", "buttons": BUTTONS[1:]}])
    assert rendered.text == f"第一段。\n\n选一个：\n1. 确认提交\n\n或者：\n2. 算了\n{CHOICE_HINT}"


def test_the_numbers_shown_are_the_numbers_the_dialogue_resolves():
    """bot.channels.choices numbers the buttons offered since the user last spoke the same way."""
    turn = [{"text": "选一个：", "buttons": BUTTONS[:1]}, {"text": "或者：", "buttons": BUTTONS[1:]}]
    events = [{"event": "user", "text": "x"}] + [{"event": "bot", "data": m} for m in turn]
    text = render_turn(turn).text
    for number, button in ((1, BUTTONS[0]), (2, BUTTONS[1])):
        assert f"{number}. {button['title']}" in text
        assert chosen_payload(str(number), offered_buttons(events)) == button["payload"]


def test_a_handoff_custom_message_is_not_shown_but_reported():
    rendered = render_turn([{"text": "已为您转接人工客服。"},
                            {"custom": {"handoff": {"ticket": "HT-1", "reason": "user_request"}}}])
    assert rendered.text == "已为您转接人工客服。"
    assert rendered.handoff == {"ticket": "HT-1", "reason": "user_request"}


def test_an_image_becomes_its_link_and_other_custom_payloads_are_dropped():
    assert render_turn([{"image": "https://example.invalid/a.png"}, {"custom": {"x": 1}}]).text == \
        "https://example.invalid/a.png"


def test_long_text_splits_at_line_breaks_within_wechats_limit():
    lines = [f"{n}. " + "很长的说明" * 30 for n in range(1, 20)]
    pieces = split_for_wechat("\n".join(lines))
    assert len(pieces) > 1
    assert all(len(piece.encode("utf-8")) <= MAX_TEXT_BYTES for piece in pieces)
    assert "\n".join(pieces) == "\n".join(lines)


def test_a_single_overlong_line_is_cut_by_characters():
    pieces = split_for_wechat("字" * 2000)
    assert all(len(piece.encode("utf-8")) <= MAX_TEXT_BYTES for piece in pieces)
    assert "".join(pieces) == "字" * 2000
