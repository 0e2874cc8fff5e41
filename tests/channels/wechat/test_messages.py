"""Push bodies in XML and JSON: read into checked pushes, written the way WeChat writes them."""
import re

import pytest

from bot.channels.wechat.conversation import sender_id
from bot.contract import CONVERSATION_ID_PATTERN

from bot.channels.wechat.messages import (
    BodyFormat,
    MalformedPush,
    Push,
    build_body,
    cdata,
    parse_body,
    push_from_fields,
    transfer_reply,
)

TEXT_FIELDS = {"ToUserName": "gh_97417a04a28d", "FromUserName": "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
               "CreateTime": 1714112445, "MsgType": "text", "Content": "怎么注销账号？", "MsgId": 6054768590064713728}


@pytest.mark.parametrize("body_format", list(BodyFormat))
def test_a_text_push_round_trips_through_either_format(body_format):
    body = build_body(TEXT_FIELDS, body_format)
    found_format, fields = parse_body(body)
    push = push_from_fields(fields)
    assert found_format is body_format
    assert push == Push("gh_97417a04a28d", "o9AgO5Kd5ggOC-bXrbNODIiE3bGY", 1714112445, "text",
                        "6054768590064713728", "怎么注销账号？")
    assert push.dedup_key == "msg:6054768590064713728"


def test_xml_is_written_like_wechat_numbers_bare_and_text_in_cdata():
    body = build_body(TEXT_FIELDS, BodyFormat.XML).decode()
    assert "<CreateTime>1714112445</CreateTime>" in body and "<MsgId>6054768590064713728</MsgId>" in body
    assert "<Content><![CDATA[怎么注销账号？]]></Content>" in body


def test_json_keeps_wechat_integers_as_numbers():
    assert b'"CreateTime":1714112445' in build_body(TEXT_FIELDS, BodyFormat.JSON)


def test_text_holding_the_cdata_terminator_survives_xml():
    fields = {**TEXT_FIELDS, "Content": "a]]>b<xml>&amp;"}
    assert push_from_fields(parse_body(build_body(fields, BodyFormat.XML))[1]).content == "a]]>b<xml>&amp;"
    assert cdata("]]>") == "<![CDATA[]]]]><![CDATA[>]]>"


def test_an_event_is_deduplicated_by_user_and_create_time():
    push = push_from_fields({"ToUserName": "gh_1", "FromUserName": "oUser", "CreateTime": "1714112445",
                             "MsgType": "event", "Event": "user_enter_tempsession", "SessionFrom": "x"})
    assert push.is_event and push.msg_id is None
    assert push.dedup_key == "event:oUser:1714112445:user_enter_tempsession"


def test_one_users_pushes_sort_by_create_time_then_msg_id():
    def push(create_time, msg_id):
        return Push("gh_1", "oUser", create_time, "text", msg_id, "x")
    ordered = sorted([push(11, "9"), push(10, "20"), push(10, "3")], key=lambda p: p.order_key)
    assert [(p.create_time, p.msg_id) for p in ordered] == [(10, "3"), (10, "20"), (11, "9")]


def test_the_json_msg_id_may_be_a_string_as_cloud_pushes_write_it():
    fields = parse_body(b'{"ToUserName":"wx3d289323f5900f8e","FromUserName":"ohl4L0Rnhq7vmmbT_DaNQa4ePaz0",'
                        b'"Content":"\xe6\xb5\x8b\xe8\xaf\x95","CreateTime":1555684067,'
                        b'"MsgId":"49d72d67b16d115e7935ac386f2f0fa41535298877_1555684067","MsgType":"text"}')[1]
    assert push_from_fields(fields).msg_id == "49d72d67b16d115e7935ac386f2f0fa41535298877_1555684067"


@pytest.mark.parametrize("body", [
    b"", b"hello", b"<xml><unclosed></xml>", b"{not json", b"[1, 2]", b"<root><a>1</a></root>",
    b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol">]><xml><Content>&lol;</Content></xml>',
    b'<!DOCTYPE xml SYSTEM "http://example.invalid/x.dtd"><xml/>',
])
def test_bodies_that_are_not_pushes_are_malformed(body):
    with pytest.raises(MalformedPush):
        parse_body(body)


@pytest.mark.parametrize("change", [
    {"FromUserName": None}, {"FromUserName": "o a b"}, {"FromUserName": "x" * 61}, {"ToUserName": None},
    {"CreateTime": "yesterday"}, {"CreateTime": None}, {"MsgType": None}, {"MsgType": "te xt"},
    {"MsgId": None}, {"Content": None},
])
def test_a_push_missing_or_mangling_a_field_is_malformed(change):
    fields = {name: str(value) for name, value in TEXT_FIELDS.items()}
    for name, value in change.items():
        if value is None:
            fields.pop(name)
        else:
            fields[name] = value
    with pytest.raises(MalformedPush):
        push_from_fields(fields)


def test_an_event_needs_its_event_name():
    with pytest.raises(MalformedPush):
        push_from_fields({"ToUserName": "gh_1", "FromUserName": "oUser", "CreateTime": "1", "MsgType": "event"})


@pytest.mark.parametrize("body_format", list(BodyFormat))
def test_the_transfer_reply_addresses_the_user_from_the_mini_program(body_format):
    push = Push("gh_97417a04a28d", "oUser", 1, "text", "1", "转人工")
    fields = parse_body(transfer_reply(push, 1399197672, body_format), body_format)[1]
    assert fields == {"ToUserName": "oUser", "FromUserName": "gh_97417a04a28d", "CreateTime": "1399197672",
                      "MsgType": "transfer_customer_service"}


def test_the_longest_sender_id_is_a_valid_conversation_id():
    assert re.fullmatch(CONVERSATION_ID_PATTERN, sender_id("a" * 32, "o" * 60))
