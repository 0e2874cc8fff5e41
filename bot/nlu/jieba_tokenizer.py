"""Jieba tokenizer for Chinese privacy questions, fixing two Rasa 3.6 pitfalls.

Rasa's own ``JiebaTokenizer``:

* fingerprints only its config, so editing a file in ``dictionary_path`` does not retrain
  anything — here the dictionaries' content is part of the fingerprint;
* emits whitespace (and punctuation) as tokens, which featurizers then learn from — here only
  tokens carrying a letter, digit or CJK character are kept;
* loads user dictionaries into jieba's process-wide tokenizer — here each component owns its
  ``jieba.Tokenizer``, so two models in one process cannot leak words into each other.

Tokens carry the *normalised* text (half-width, simplified; see ``bot.text``) so that 註銷 and
注销 look the same to every featurizer, while ``start``/``end`` stay offsets into the original
message, which is what entity spans refer to. With ``pinyin_lemma`` each token's lemma is its
toneless pinyin, so a featurizer reading lemmas sees 注消/注销 (zhuxiao) and 写写/谢谢 (xiexie) —
the homophone slips of pinyin input methods — as the same word.
"""
from __future__ import annotations

import hashlib
import inspect
import logging
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import jieba
from pypinyin import lazy_pinyin

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import text as text_normalisation

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

DICTIONARY_GLOB = "*.txt"


def _has_content(word: str) -> bool:
    """True for tokens worth featurizing: at least one letter, digit or CJK character."""
    return any(ch.isalnum() for ch in word)


def dictionary_files(directory: Path) -> List[Path]:
    """The user dictionaries in ``directory``, in a stable order."""
    return sorted(p for p in directory.glob(DICTIONARY_GLOB) if p.is_file())


def dictionaries_digest(directory: Optional[Text]) -> Optional[Text]:
    """A digest of every dictionary file's name and content (None when there is none)."""
    if not directory:
        return None
    digest = hashlib.sha256()
    for path in dictionary_files(Path(directory)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_jieba(dictionary_dir: Optional[Path]) -> jieba.Tokenizer:
    """A private jieba tokenizer with the user dictionaries in ``dictionary_dir`` loaded."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if dictionary_dir is not None:
        for path in dictionary_files(dictionary_dir):
            logger.debug("Loading jieba user dictionary %s", path)
            tokenizer.load_userdict(str(path))
    return tokenizer


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class PrivacyJiebaTokenizer(Tokenizer):
    """Jieba tokenization over normalised text with a fingerprinted user dictionary."""

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["zh"]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["jieba", "opencc", "pypinyin"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # directory of jieba user dictionaries (*.txt, jieba's userdict format)
            "dictionary_path": None,
            # jieba's HMM finds words missing from the dictionaries (typos, new slang)
            "use_hmm": True,
            # token lemma = toneless pinyin (featurizers with use_lemma read it)
            "pinyin_lemma": False,
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """Retrain when a dictionary file or the text normalisation changes."""
        normalisation_source = inspect.getsource(text_normalisation)
        return "|".join(
            [
                dictionaries_digest(config.get("dictionary_path")) or "no-dictionary",
                hashlib.sha256(normalisation_source.encode()).hexdigest(),
            ]
        )

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        dictionary_dir: Optional[Path],
    ) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self._dictionary_dir = dictionary_dir
        self._jieba = build_jieba(dictionary_dir)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PrivacyJiebaTokenizer:
        directory = config.get("dictionary_path")
        if directory is not None and not Path(directory).is_dir():
            raise ValueError(
                f"PrivacyJiebaTokenizer: dictionary_path '{directory}' is not a directory"
            )
        return cls(
            config, model_storage, resource, Path(directory) if directory else None
        )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> PrivacyJiebaTokenizer:
        """Loads the dictionaries that were copied into the model at training time."""
        if config.get("dictionary_path") is None:
            return cls(config, model_storage, resource, None)
        with model_storage.read_from(resource) as stored_directory:
            # jieba reads the files at construction, inside the storage context
            return cls(config, model_storage, resource, Path(stored_directory))

    def train(self, training_data: TrainingData) -> Resource:
        """Copies the user dictionaries into the model so it is self-contained."""
        if self._dictionary_dir is not None:
            with self._model_storage.write_to(self._resource) as stored_directory:
                for path in dictionary_files(self._dictionary_dir):
                    shutil.copy2(path, Path(stored_directory) / path.name)
        return self._resource

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        original = message.get(attribute)
        normalised = text_normalisation.normalize(original)
        tokens = [
            Token(word, start, end, lemma=self._lemma(word))
            for word, start, end in self._jieba.tokenize(
                normalised, HMM=self._config["use_hmm"]
            )
            if _has_content(word)
        ]
        if not tokens:
            # featurizers need at least one token, e.g. for "？？？"
            tokens = [Token(normalised, 0, lemma=self._lemma(normalised))]
        return self._apply_token_pattern(tokens)

    def _lemma(self, word: Text) -> Text:
        if not self._config.get("pinyin_lemma"):
            return word
        return "".join(lazy_pinyin(word)).lower()
