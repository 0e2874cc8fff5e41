"""The TF-IDF logistic-regression intent classifier, trained and loaded as Rasa does."""
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

from bot.nlu.intent_classifier import TfidfLogisticIntentClassifier, sentence_features, tfidf
from bot.nlu.jieba_tokenizer import PrivacyJiebaTokenizer

CONTEXT = ExecutionContext(GraphSchema({}), "test")
EXAMPLES = {
    "how_unsubscribe": ["怎么退订短信", "营销邮件怎么取消", "推送通知在哪关", "不想收广告短信怎么设置"],
    "request_account_deletion": ["帮我注销账号", "我要销户", "把我的号删了", "注销！"],
    "greet": ["你好", "在吗", "哈喽", "您好呀"],
}


@pytest.fixture
def pipeline(tmp_path):
    (tmp_path / "model").mkdir()
    storage = LocalModelStorage(tmp_path / "model")
    tokenizer = PrivacyJiebaTokenizer.create(PrivacyJiebaTokenizer.get_default_config(), storage,
                                             Resource("tok"), CONTEXT)
    featurizer = CountVectorsFeaturizer.create({**CountVectorsFeaturizer.get_default_config(),
                                                "analyzer": "char", "max_ngram": 2},
                                               storage, Resource("cvf"), CONTEXT)
    data = TrainingData([Message(data={"text": t, "intent": i}) for i, ts in EXAMPLES.items() for t in ts])
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    return storage, tokenizer, featurizer, data


def featurized(pipeline, text):
    _, tokenizer, featurizer, _ = pipeline
    message = Message(data={"text": text})
    tokenizer.process([message])
    featurizer.process([message])
    return message


def test_trained_classifier_ranks_intents_and_survives_a_reload(pipeline):
    storage, _, _, data = pipeline
    config = TfidfLogisticIntentClassifier.get_default_config()
    TfidfLogisticIntentClassifier.create(config, storage, Resource("clf"), CONTEXT).train(data)
    loaded = TfidfLogisticIntentClassifier.load(config, storage, Resource("clf"), CONTEXT)
    message = featurized(pipeline, "短信怎么退订呢")
    loaded.process([message])
    ranking = message.get("intent_ranking")
    assert message.get("intent")["name"] == "how_unsubscribe"
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)


def test_probabilities_equal_scikit_learns_on_the_same_features(pipeline):
    storage, _, _, data = pipeline
    examples = data.intent_examples
    counts = sentence_features(examples)
    idf = TfidfTransformer(sublinear_tf=True).fit(counts).idf_
    reference = LogisticRegression(C=30.0, max_iter=3000, class_weight="balanced").fit(
        tfidf(counts, idf), [e.get("intent") for e in examples])
    ours = TfidfLogisticIntentClassifier.create({}, storage, Resource("clf2"), CONTEXT)
    ours.train(data)
    message = featurized(pipeline, "帮我把账号注销了")
    ours.process([message])
    expected = reference.predict_proba(tfidf(sentence_features([message]), idf))[0]
    got = {r["name"]: r["confidence"] for r in message.get("intent_ranking")}
    assert np.allclose([got[c] for c in reference.classes_], expected, atol=1e-9)


def test_two_intents_give_proper_probabilities(pipeline):
    storage, tokenizer, featurizer, _ = pipeline
    two = TrainingData([Message(data={"text": t, "intent": i}) for i, ts in EXAMPLES.items()
                        if i != "greet" for t in ts])
    tokenizer.process_training_data(two)
    featurizer.process_training_data(two)
    classifier = TfidfLogisticIntentClassifier.create({}, storage, Resource("clf3"), CONTEXT)
    classifier.train(two)
    message = featurized(pipeline, "我要注销账号")
    classifier.process([message])
    assert message.get("intent")["name"] == "request_account_deletion"
    assert message.get("intent")["confidence"] > 0.5
