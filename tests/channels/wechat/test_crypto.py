"""WeChat's signatures and message encryption, checked against WeChat's own published vectors.

Vectors:

* **Mini-program message push** (消息推送, "接收消息推送" — the plaintext-mode and safe-mode
  walk-through, and "发起验证" for the URL check): https://developers.weixin.qq.com/miniprogram/
  dev/framework/server-ability/message-push.html — Token ``AAAAA``, EncodingAESKey
  ``AAAA…A`` (43), AppID ``wxba5fad812f8e6fb9``; JSON format.
* **WXBizMsgCrypt sample code** (the Python ``Sample.py`` of WeChat's cryptoDemo.zip, linked from
  the same page and from 消息加解密说明): Token ``spamtest``, EncodingAESKey
  ``abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG``, AppID ``wx2c2769f8efd9abc2``; an XML push in
  compatible mode (plaintext fields beside ``Encrypt``).
"""
import base64
import json
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.channels.wechat import crypto
from bot.channels.wechat.config import WeChatConfigError, decode_aes_key

DOC_TOKEN = "AAAAA"
DOC_KEY = "A" * 43
DOC_APPID = "wxba5fad812f8e6fb9"
DOC_PUSH_ENCRYPT = (
    "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpV"
    "zazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKE"
    "YwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04=")
DOC_PUSH_MESSAGE = ('{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY",'
                    '"CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}')
DOC_REPLY_ENCRYPT = "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ=="

SAMPLE_TOKEN = "spamtest"
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APPID = "wx2c2769f8efd9abc2"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAF"
    "mOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8d"
    "KOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5"
    "RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNP"
    "fUM669WuMyVWQLCzpu9GhglF2PE=")


def test_url_check_signature_matches_the_documented_example():
    assert crypto.signature(DOC_TOKEN, "1714036504", "1514711492") == "f464b24fc39322e44b38aa78f5edd27bd1441696"


def test_plaintext_push_signature_matches_the_documented_example():
    assert crypto.signature(DOC_TOKEN, "1714037059", "486452656") == "899cf89e464efb63f54ddac96b0a0a235f53aa78"


def test_safe_mode_push_msg_signature_and_plain_signature_match_the_documented_example():
    assert crypto.msg_signature(DOC_TOKEN, "1714112445", "415670741", DOC_PUSH_ENCRYPT) == \
        "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3"
    assert crypto.signature(DOC_TOKEN, "1714112445", "415670741") == "6c5c811b55cc85e0e1b54100749188c20beb3f5d"


def test_safe_mode_push_decrypts_to_the_documented_message_and_appid():
    message, appid = crypto.decrypt(DOC_PUSH_ENCRYPT, DOC_KEY)
    assert message.decode() == DOC_PUSH_MESSAGE and len(message) == 167
    assert appid == DOC_APPID
    assert json.loads(message)["debug_str"] == "hello world"


def test_documented_push_encrypts_back_to_the_same_ciphertext_with_its_random_prefix():
    assert crypto.encrypt(DOC_PUSH_MESSAGE.encode(), DOC_APPID, DOC_KEY, b"a8eedb185eb2fecf") == DOC_PUSH_ENCRYPT


def test_encrypted_reply_matches_the_documented_ciphertext_and_signature():
    encrypted = crypto.encrypt(b'{"demo_resp":"good luck"}', DOC_APPID, DOC_KEY, b"707722b803182950")
    assert encrypted == DOC_REPLY_ENCRYPT
    assert len(base64.b64decode(encrypted)) == 64  # FullStr of 63 bytes padded to 64, as documented
    assert crypto.msg_signature(DOC_TOKEN, "1713424427", "415670741", encrypted) == \
        "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"


def test_wxbizmsgcrypt_sample_push_verifies_and_decrypts():
    assert crypto.msg_signature(SAMPLE_TOKEN, "1409735669", "1320562132", SAMPLE_ENCRYPT) == \
        "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    message, key = crypto.decrypt_for_app(SAMPLE_ENCRYPT, SAMPLE_APPID, [SAMPLE_KEY])
    assert key == SAMPLE_KEY
    assert b"<Content><![CDATA[abcdteT]]></Content>" in message
    assert b"<MsgId>6054768590064713728</MsgId>" in message


@pytest.mark.parametrize("size", [0, 1, 31, 32, 33, 63, 64, 1000])
def test_pkcs7_pads_to_32_bytes_and_a_full_block_when_aligned(size):
    padded = crypto.pkcs7_pad(b"x" * size)
    assert len(padded) % 32 == 0 and len(padded) > size
    assert padded[-1] == 32 - size % 32
    assert crypto.pkcs7_unpad(padded) == b"x" * size


@pytest.mark.parametrize("message", ["你好", "", "a" * 5000, "含 ]]> 与 emoji 😀"])
def test_encryption_round_trips_for_any_message(message):
    encrypted = crypto.encrypt(message.encode(), DOC_APPID, SAMPLE_KEY)
    assert crypto.decrypt(encrypted, SAMPLE_KEY) == (message.encode(), DOC_APPID)


def test_a_ciphertext_for_another_appid_is_refused():
    encrypted = crypto.encrypt(b"{}", "wx0000000000000000", DOC_KEY)
    with pytest.raises(crypto.WrongAppId):
        crypto.decrypt_for_app(encrypted, DOC_APPID, [DOC_KEY])


def test_the_previous_key_opens_pushes_during_a_rotation_and_the_key_used_is_reported():
    encrypted = crypto.encrypt(b"{}", DOC_APPID, SAMPLE_KEY)
    assert crypto.decrypt_for_app(encrypted, DOC_APPID, [DOC_KEY, SAMPLE_KEY]) == (b"{}", SAMPLE_KEY)
    with pytest.raises(crypto.UndecryptableMessage):
        crypto.decrypt_for_app(encrypted, DOC_APPID, [DOC_KEY])


@pytest.mark.parametrize("ciphertext", ["not base64!", "", base64.b64encode(b"short").decode(),
                                        base64.b64encode(b"\0" * 48).decode()])
def test_garbage_ciphertext_is_undecryptable_not_a_crash(ciphertext):
    with pytest.raises(crypto.UndecryptableMessage):
        crypto.decrypt(ciphertext, DOC_KEY)


def test_a_declared_length_beyond_the_plaintext_is_refused():
    key = decode_aes_key(DOC_KEY)
    plain = crypto.pkcs7_pad(b"r" * 16 + struct.pack(">I", 10_000) + b"{}" + DOC_APPID.encode())
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    forged = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
    with pytest.raises(crypto.UndecryptableMessage):
        crypto.decrypt(forged, DOC_KEY)


@pytest.mark.parametrize("key", ["A" * 42, "A" * 44, "A" * 42 + "!", ""])
def test_an_encoding_aes_key_that_is_not_43_base64_characters_is_a_configuration_error(key):
    with pytest.raises(WeChatConfigError):
        decode_aes_key(key)


def test_signatures_compare_case_insensitively_and_refuse_a_missing_one():
    expected = crypto.signature(DOC_TOKEN, "1", "2")
    crypto.check_signature(expected, expected.upper())
    for given in (None, "", expected[:-1] + "0"):
        with pytest.raises(crypto.InvalidSignature):
            crypto.check_signature(expected, given)
