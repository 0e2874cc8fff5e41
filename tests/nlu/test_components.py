"""The custom NLU components, run as Rasa runs them (real model storage, real messages)."""
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entity_canonicalizer import EntityCanonicalizer
from bot.nlu.jieba_tokenizer import PrivacyJiebaTokenizer

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTEXT = ExecutionContext(GraphSchema({}), "test")


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "model").mkdir()
    return LocalModelStorage(tmp_path / "model")


def make_tokenizer(storage, dictionary_dir, name="tok"):
    config = {**PrivacyJiebaTokenizer.get_default_config(), "dictionary_path": dictionary_dir}
    return PrivacyJiebaTokenizer.create(config, storage, Resource(name), CONTEXT)


def tokens_of(tokenizer, text):
    return [(t.text, t.start, t.end) for t in tokenizer.tokenize(Message(data={"text": text}), "text")]


def test_tokenizer_drops_whitespace_and_punctuation_tokens(storage):
    tokenizer = make_tokenizer(storage, None)
    tokens = tokens_of(tokenizer, "我要 注销 ， 账号！！ ")
    assert [t[0] for t in tokens] == ["我要", "注销", "账号"]


def test_tokenizer_normalises_traditional_text_but_keeps_original_offsets(storage):
    tokenizer = make_tokenizer(storage, str(REPO_ROOT / "data" / "jieba"))
    text = "我要註銷帳號"
    tokens = tokens_of(tokenizer, text)
    assert "注销" in [t[0] for t in tokens]
    for token_text, start, end in tokens:
        assert len(text[start:end]) == len(token_text)


def test_tokenizer_keeps_one_token_for_a_message_without_words(storage):
    tokenizer = make_tokenizer(storage, None)
    assert len(tokens_of(tokenizer, "？？？")) == 1


def test_user_dictionary_changes_segmentation(storage, tmp_path):
    dictionary = tmp_path / "dict"
    dictionary.mkdir()
    plain = make_tokenizer(storage, str(dictionary), "plain")
    (dictionary / "terms.txt").write_text("刷脸登录 5000 n\n", encoding="utf-8")
    with_term = make_tokenizer(storage, str(dictionary), "with_term")
    assert "刷脸登录" not in [t[0] for t in tokens_of(plain, "关闭刷脸登录")]
    assert "刷脸登录" in [t[0] for t in tokens_of(with_term, "关闭刷脸登录")]


def test_editing_a_dictionary_file_changes_the_training_fingerprint(tmp_path):
    dictionary = tmp_path / "dict"
    dictionary.mkdir()
    (dictionary / "terms.txt").write_text("注销 100 v\n", encoding="utf-8")
    config = {"dictionary_path": str(dictionary)}
    before = PrivacyJiebaTokenizer.fingerprint_addon(config)
    assert PrivacyJiebaTokenizer.fingerprint_addon(config) == before
    (dictionary / "terms.txt").write_text("注销 100 v\n刷脸登录 100 n\n", encoding="utf-8")
    assert PrivacyJiebaTokenizer.fingerprint_addon(config) != before


def test_trained_tokenizer_loads_its_dictionary_from_the_model(storage, tmp_path):
    dictionary = tmp_path / "dict"
    dictionary.mkdir()
    (dictionary / "terms.txt").write_text("个人信息副本 5000 n\n", encoding="utf-8")
    resource = Resource("tok")
    config = {**PrivacyJiebaTokenizer.get_default_config(), "dictionary_path": str(dictionary)}
    PrivacyJiebaTokenizer.create(config, storage, resource, CONTEXT).train(TrainingData())
    (dictionary / "terms.txt").unlink()  # the model must not depend on the source files
    loaded = PrivacyJiebaTokenizer.load(config, storage, resource, CONTEXT)
    assert "个人信息副本" in [t[0] for t in tokens_of(loaded, "我想要个人信息副本")]


def test_pinyin_lemma_makes_homophone_slips_the_same_word(storage):
    config = {**PrivacyJiebaTokenizer.get_default_config(), "pinyin_lemma": True}
    tokenizer = PrivacyJiebaTokenizer.create(config, storage, Resource("pinyin"), CONTEXT)

    def lemmas(text):
        return [t.lemma for t in tokenizer.tokenize(Message(data={"text": text}), "text")]

    assert lemmas("谢谢") == lemmas("写写") == ["xiexie"]
    assert "zhuxiao" in lemmas("我要注消") and "zhuxiao" in lemmas("我要註銷")
    assert [t.text for t in tokenizer.tokenize(Message(data={"text": "写写"}), "text")] == ["写写"]


def test_missing_dictionary_directory_is_a_clear_error(storage, tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        make_tokenizer(storage, str(tmp_path / "nope"))


CANONICAL = {
    "channel": ["sms", "email", "push", "phone_call"],
    "permission": ["location", "contacts"],
    "data_category": ["address", "location", "contacts"],
}


@pytest.fixture
def canonicalizer(storage):
    config = {
        **EntityCanonicalizer.get_default_config(),
        "entities": CANONICAL,
        "type_preference_by_intent": {"ask_permissions": ["permission", "data_category"]},
        "default_type_preference": ["data_category", "permission"],
    }
    resource = Resource("canon")
    training = TrainingData(
        entity_synonyms={"短信": "sms", "营销短信": "sms", "邮件": "email", "通讯录": "contacts",
                         "定位": "location", "收货地址": "address"}
    )
    EntityCanonicalizer.create(config, storage, resource, CONTEXT).train(training)
    return EntityCanonicalizer.load(config, storage, resource, CONTEXT)


def entity(entity_type, value, start, end, extractor="DIETClassifier"):
    return {"entity": entity_type, "value": value, "start": start, "end": end, "extractor": extractor}


def run(canonicalizer, text, entities, intent="how_unsubscribe"):
    message = Message(data={"text": text, "entities": entities, "intent": {"name": intent}})
    canonicalizer.process([message])
    return [(e["entity"], e["value"]) for e in message.get("entities")]


def test_unseen_variant_is_mapped_to_its_canonical_value(canonicalizer):
    # 營銷短信 never appeared in training; its simplified form 营销短信 did
    assert run(canonicalizer, "不要再发營銷短信", [entity("channel", "營銷短信", 4, 8)]) == [("channel", "sms")]


def test_span_containing_a_known_form_is_mapped(canonicalizer):
    assert run(canonicalizer, "退订那些推广邮件吧", [entity("channel", "推广邮件", 4, 8)]) == [("channel", "email")]


def test_value_outside_the_vocabulary_is_dropped(canonicalizer):
    assert run(canonicalizer, "退订微博", [entity("channel", "微博", 2, 4)]) == []


def test_longest_overlapping_span_wins(canonicalizer):
    text = "手机139 0000 1234"
    found = run(canonicalizer, text, [
        entity("phone_number", "139", 2, 5),
        entity("phone_number", "139 0000 1234", 2, 15, "RegexEntityExtractor"),
    ], intent="inform")
    assert found == [("phone_number", "13900001234")]


def test_request_id_is_written_in_canonical_form(canonicalizer):
    found = run(canonicalizer, "查pr-7k3m9q2xhd", [entity("request_id", "pr-7k3m9q2xhd", 1, 14)], "inform")
    assert found == [("request_id", "PR-7K3M9Q2XHD")]


def test_lexicon_fills_an_entity_the_model_missed(canonicalizer):
    assert run(canonicalizer, "那邮件呢", []) == [("channel", "email")]


def test_lexicon_fills_only_for_intents_that_use_the_entity(storage):
    config = {**EntityCanonicalizer.get_default_config(), "entities": CANONICAL,
              "fill_for_intents": {"channel": ["how_unsubscribe"]}, "never_fill": ["短信"]}
    resource = Resource("restricted")
    EntityCanonicalizer.create(config, storage, resource, CONTEXT).train(
        TrainingData(entity_synonyms={"邮件": "email", "短信": "sms"}))
    restricted = EntityCanonicalizer.load(config, storage, resource, CONTEXT)
    assert run(restricted, "有没有邮件地址", [], intent="ask_contact") == []
    assert run(restricted, "那邮件呢", [], intent="how_unsubscribe") == [("channel", "email")]
    assert run(restricted, "短信怎么退", [], intent="how_unsubscribe") == []


def test_ambiguous_form_follows_the_intent(canonicalizer):
    assert run(canonicalizer, "为什么要读通讯录", [], intent="ask_permissions") == [("permission", "contacts")]
    assert run(canonicalizer, "删掉通讯录", [], intent="request_info_deletion") == [("data_category", "contacts")]
