"""Ranking an app's policy passages against a user's question: BM25 (bm25s) over jieba tokens of
normalised text, optionally boosted toward the passages of a question topic, and how much of the
question each hit covers (``Hit.coverage``), so callers can tell a genuine match from a passage
that merely shares a word.

Used for fallback answers and citations when no intent is confident. Questions come in
simplified or traditional characters, full- or half-width; everything goes through
``bot.text.normalize`` first. jieba runs in search mode (long words also yield their parts, so
"个人信息保护负责人" matches "负责人"), with the project's privacy-term dictionary when present.
"""
from __future__ import annotations

import logging
import math
import re
import threading
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import bm25s
import jieba
import numpy as np

from bot.knowledge.answer_shapes import ASKING_WORDS, AnswerShape, shapes_asked
from bot.knowledge.model import Clause, Hit
from bot.knowledge.sections import BREADCRUMB_SEPARATOR
from bot.knowledge.vocab import QUESTION_TOPIC_WORDS
from bot.text import normalize

jieba.setLogLevel(logging.WARNING)
logging.getLogger("bm25s").setLevel(logging.WARNING)

PRIVACY_TERMS_DIR = Path(__file__).resolve().parents[2] / "data" / "jieba"
TOPIC_BOOST = 1.5
SUPERSEDED_WEIGHT = 0.5
COVERAGE_CACHE = 4096           # words whose per-passage coverage is kept, per app
DISTINCT_MARGIN = 0.2           # a specific passage must cover the question's own words this much better
MIN_DISTINCT_COVERAGE = 0.5
COMMON_IN_TOPIC = 0.25          # a topic word in this share of the topic's passages says nothing specific

CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 我 我们 您 你 吗 呢 吧 啊 呀 么 嘛 啥 咋 怎么 怎么样 如何 怎样 什么 可以 能 能否 "
    "会 要 请问 请 这个 那个 这些 那些 一下 有 没有 把 被 对 为 将 等 以 就 都 也 还 而 并 之 其 该 此 这 那 "
    "个 想 如果 是否 哪 哪些 哪里 给 让 到 去 来 说 吗 呢 一个 自己 现在 已经 你们 他们 它 他 她 所 着 过 又 再 "
    # question words: they ask, they are not what is asked about
    "多少 多久 多长 多长时间 几 几个 为什么 为何 哪儿 哪个 谁 在哪 在哪儿 怎么办 怎么回事 能不能 可不可以 会不会 "
    "是不是 有没有 要不要 行不行 好吗 好不好 告诉 知道 问 问问 麻烦 谢谢 你好 您好 几年 几天 几个月 多少天 "
    # chat filler and light verbs ("我要一份…", "拿我的信息干什么用")
    "我要 想要 一份 帮我 帮忙 给我 拿 拿去 弄 搞 用 能够 东西".split()
)

# Users and policies name the same things differently (删号 / 注销账户, 卖给别人 / 出售给第三方);
# both sides are mapped to one word before BM25 sees them.
_SYNONYMS = {
    **dict.fromkeys(["账户", "帐号", "帐户"], "账号"),
    **dict.fromkeys(["删号", "销号", "销户"], "注销"),
    **dict.fromkeys(["卖", "卖给", "出卖", "贩卖", "售卖"], "出售"),
    **dict.fromkeys(["别人", "他人", "其他人", "外人"], "第三方"),
    **dict.fromkeys(["手机号码", "电话号码", "手机号"], "手机号"),
    **dict.fromkeys(["刷脸", "面部", "脸部", "面容"], "人脸"),
    **dict.fromkeys(["导出", "下载", "拷贝"], "副本"),
    **dict.fromkeys(["热线", "客服电话", "联系电话"], "电话"),
    **dict.fromkeys(["小孩", "孩子", "儿童", "未成年", "青少年"], "未成年人"),
    **dict.fromkeys(["泄密", "泄漏", "外泄"], "泄露"),
    **dict.fromkeys(["定位", "地理位置"], "位置"),
    **dict.fromkeys(["删掉", "清除", "清空", "删了"], "删除"),
    **dict.fromkeys(["更改", "更正", "改掉", "变更"], "修改"),
    **dict.fromkeys(["查阅", "查询", "看看"], "查看"),
    **dict.fromkeys(["关掉", "关了"], "关闭"),
    **dict.fromkeys(["存储", "储存", "保留", "留存", "存", "存放", "存到"], "保存"),
    **dict.fromkeys(["获取", "获得", "采集", "搜集"], "收集"),
    **dict.fromkeys(["收到", "接收"], "接收"),
    **dict.fromkeys(["国内", "境内", "中国境内"], "境内"),
    **dict.fromkeys(["出境", "境外", "海外", "国外"], "境外"),
    **dict.fromkeys(["数据", "资料"], "信息"),
    **dict.fromkeys(["申请", "要求"], "请求"),
    **dict.fromkeys(["干什么", "干嘛", "做什么", "用来", "用途", "利用"], "用途"),
    **dict.fromkeys(["举报"], "投诉"),
    **dict.fromkeys(["回复", "答复", "响应"], "答复"),
    **dict.fromkeys(["退订", "取消订阅"], "退订"),
    **dict.fromkeys(["终止", "停运"], "停止"),
    **dict.fromkeys(["去世", "过世", "离世", "逝世", "死亡", "死者"], "逝者"),
    **dict.fromkeys(["家人", "家属", "亲属", "亲人"], "近亲属"),
    **dict.fromkeys(["广告商", "广告主", "广告公司", "广告平台"], "广告"),
    **dict.fromkeys(["看到", "看"], "查看"),
    **dict.fromkeys(["付款", "付钱", "支付"], "支付"),
}

# What users say in several words that policies say in one ("你们不干了" — 停止运营), rewritten in
# the question before it is cut into words.
_PHRASES = (
    (re.compile(r"不干了|不做了|倒闭了?|关门了?|黄了|跑路了?"), "停止运营"),
    # "存在哪里" is 存 + 在 (stored where), not 存在 (to exist)
    (re.compile(r"存在(?=哪|什么地方|国内|国外|境内|境外|海外|中国|服务器)"), "存放在"),
)


def _rewritten(text: str) -> str:
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    return text


def _variants() -> Dict[str, Tuple[str, ...]]:
    """Each word the synonym map leads to, with every way of writing it (账号: 账户, 帐号, 帐户)."""
    variants: Dict[str, Tuple[str, ...]] = {}
    for word, canonical in _SYNONYMS.items():
        variants.setdefault(canonical, (canonical,))
        if word != canonical:
            variants[canonical] += (word,)
    return variants


_VARIANTS = _variants()

_tokenizer: Optional[jieba.Tokenizer] = None
_tokenizer_lock = threading.Lock()


def _jieba() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for path in sorted(PRIVACY_TERMS_DIR.glob("*.txt")) if PRIVACY_TERMS_DIR.is_dir() else []:
                    tokenizer.load_userdict(str(path))
                _tokenizer = tokenizer
    return _tokenizer


def tokenize(text: str) -> List[str]:
    """Search-mode jieba tokens of the normalised, lower-cased text, without stopwords and
    punctuation, synonyms mapped to one word."""
    words = _jieba().lcut_for_search(_rewritten(normalize(text).lower()))
    return [_SYNONYMS.get(word, word) for word in words
            if word not in _STOPWORDS and any(ch.isalnum() for ch in word)]


def question_words(question: str) -> List[Tuple[str, Tuple[str, ...]]]:
    """The informative words of a question (jieba's precise cut, stopwords, question words and
    chat filler left out, synonyms mapped to one word), each with the parts it is compounded of
    (刷脸登录 → 刷脸 + 登录) for when a passage has the parts but not the whole word."""
    tokenizer = _jieba()
    words: Dict[str, Tuple[str, ...]] = {}
    # Without HMM: a question is too short for guessing new words ("会存" from "会存到境外").
    for word in _unknown_words_joined(tokenizer.lcut(_rewritten(normalize(question).lower()), HMM=False)):
        if word in _STOPWORDS or not any(ch.isalnum() for ch in word):
            continue
        parts = tuple(_SYNONYMS.get(part, part) for part in _compound_parts(tokenizer, word))
        words.setdefault(_SYNONYMS.get(word, word), parts)
    return list(words.items())


def _unknown_words_joined(tokens: List[str]) -> List[str]:
    """Runs of single characters jieba could not place (a name it does not know: 友 + 盟) as one
    word again, so a question about 友盟 finds the passage naming it."""
    joined: List[str] = []
    run = ""
    for token in tokens + [""]:
        if len(token) == 1 and CJK_CHAR.match(token) and token not in _STOPWORDS:
            run += token
            continue
        if run:
            joined.append(run)
            run = ""
        if token:
            joined.append(token)
    return joined


def _compound_parts(tokenizer: jieba.Tokenizer, word: str) -> List[str]:
    """Shorter words that together spell ``word`` (个人信息副本 → 个人信息 + 副本); none when they do
    not cover it (通讯录 is not 通讯 + something)."""
    if len(word) < 4:
        return []
    starts: Dict[int, str] = {}
    for part, start, end in tokenizer.tokenize(word, mode="search"):
        if 2 <= end - start < len(word) and len(part) > len(starts.get(start, "")):
            starts[start] = part
    parts, position = [], 0
    while position < len(word):
        part = starts.get(position)
        if part is None:
            return []
        parts.append(part)
        position += len(part)
    return [part for part in parts if part not in _STOPWORDS]


def _tells_apart(present: np.ndarray) -> bool:
    """Whether a word some but not all of the topic's passages have can pick one of them."""
    return bool(present.any()) and (len(present) == 1 or not bool(present.all()))


def _leaf_title(section: str) -> str:
    return section.rsplit(BREADCRUMB_SEPARATOR, 1)[-1]


class ClauseIndex:
    """A BM25 index of one app's passages, built once per loaded knowledge base."""

    def __init__(self, clauses: Sequence[Clause]) -> None:
        self.clauses = list(clauses)
        corpus = [tokenize(f"{_leaf_title(clause.section)} {clause.text}") for clause in self.clauses]
        self.bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if self.clauses:
            self.bm25.index(corpus, show_progress=False)
        self.weights = np.array([SUPERSEDED_WEIGHT if c.superseded else 1.0 for c in self.clauses],
                                dtype=np.float32)
        self._topic_weights: dict = {}
        texts = [normalize(f"{_leaf_title(clause.section)} {clause.text}").lower() for clause in self.clauses]
        self._corpus = "\x00".join(texts)
        self._starts = np.cumsum([0] + [len(text) + 1 for text in texts[:-1]])
        self._credits: Dict[Tuple[str, Tuple[str, ...]], Tuple[np.ndarray, float]] = {}

    def _topic_weight(self, topic: str) -> np.ndarray:
        weights = self._topic_weights.get(topic)
        if weights is None:
            weights = np.array([TOPIC_BOOST if topic in c.topics else 1.0 for c in self.clauses],
                               dtype=np.float32)
            self._topic_weights[topic] = weights
        return weights

    def scores(self, question: str, topic: Optional[str] = None) -> np.ndarray:
        tokens = tokenize(question)
        if not tokens or not self.clauses:
            return np.zeros(len(self.clauses), dtype=np.float32)
        scores = np.asarray(self.bm25.get_scores(tokens), dtype=np.float32) * self.weights
        if topic is not None:
            scores = scores * self._topic_weight(topic)
        return scores

    def _word(self, word: str, parts: Tuple[str, ...]) -> Tuple[np.ndarray, float]:
        """How much of ``word`` each passage has — 1 for the word or a synonym, else the share of
        its parts it has, each part weighted by its rarity — and the word's weight (its rarity)."""
        key = (word, parts)
        cached = self._credits.get(key)
        if cached is None:
            present, weight = self._rarity(word)
            credits = present.astype(np.float32)
            if parts:
                rarities = [self._rarity(part) for part in parts]
                total = sum(rarity for _, rarity in rarities)
                partial = sum(found.astype(np.float32) * rarity for found, rarity in rarities) / total
                credits = np.maximum(credits, partial)
            cached = (credits, weight)
            if len(self._credits) >= COVERAGE_CACHE:
                self._credits.clear()
            self._credits[key] = cached
        return cached

    def _rarity(self, word: str) -> Tuple[np.ndarray, float]:
        """Which passages have ``word``, and its inverse document frequency among them."""
        found = self._presence(word)
        having = int(np.count_nonzero(found))
        return found, math.log(1.0 + (len(self.clauses) - having + 0.5) / (having + 0.5))

    def _presence(self, word: str) -> np.ndarray:
        """Which passages contain ``word`` or one of its synonyms (one regex pass over them all)."""
        pattern = re.compile("|".join(re.escape(variant) for variant in _VARIANTS.get(word, (word,))))
        offsets = [match.start() for match in pattern.finditer(self._corpus)]
        found = np.zeros(len(self.clauses), dtype=bool)
        if offsets:
            found[np.searchsorted(self._starts, offsets, side="right") - 1] = True
        return found

    def coverage(self, question: str) -> np.ndarray:
        """Each passage's coverage of ``question`` (see ``Hit``)."""
        return self._coverage_of(question_words(question))

    def _coverage_of(self, words: Sequence[Tuple[str, Tuple[str, ...]]]) -> np.ndarray:
        if not words or not self.clauses:
            return np.zeros(len(self.clauses), dtype=np.float32)
        table = [self._word(word, parts) for word, parts in words]
        weights = np.array([weight for _, weight in table], dtype=np.float32)
        credits = np.stack([credits for credits, _ in table])
        return (weights @ credits) / weights.sum()

    def best_within(self, topic: str, question: str, lead: Optional[Clause]) -> Optional[Clause]:
        """The passage of ``topic`` that answers ``question`` in particular — the one holding the
        words that set this question apart from others on the topic (a partner, a court,
        recovering an account) or the kind of answer it asks for (a period for 多久) — else
        ``lead``, the topic's general answer."""
        candidates = [i for i, clause in enumerate(self.clauses) if topic in clause.topics and not clause.superseded]
        if not candidates:
            return lead
        table = [self._word(word, parts) for word, parts in self._distinctive_words(topic, question, candidates)]
        table += [self._shape(shape) for shape in shapes_asked(topic, question, has_words=bool(table))
                  if _tells_apart(self._shape(shape)[0][candidates] > 0)]
        if not table:
            return lead
        weights = np.array([weight for _, weight in table], dtype=np.float32)
        coverage = (weights @ np.stack([credits for credits, _ in table])) / weights.sum()
        scores = self.scores(question, topic)
        best = max(candidates, key=lambda i: (round(float(coverage[i]), 4), float(scores[i]), -i))
        lead_index = next((i for i, c in enumerate(self.clauses) if lead is not None and c.text == lead.text
                           and c.section == lead.section), None)
        lead_coverage = float(coverage[lead_index]) if lead_index is not None else 0.0
        if float(coverage[best]) >= max(lead_coverage + DISTINCT_MARGIN, MIN_DISTINCT_COVERAGE):
            return self.clauses[best]
        return lead

    def _distinctive_words(self, topic: str, question: str,
                           candidates: Sequence[int]) -> List[Tuple[str, Tuple[str, ...]]]:
        """The question's words that tell the topic's passages apart: some have them, not all
        (信息 is in every one); a word of the topic's own (第三方 in a sharing question) only
        when few of its passages have it (法院 among complaint ones)."""
        content = QUESTION_TOPIC_WORDS[topic].content
        kept = []
        for word, parts in question_words(question):
            if len(word) == 1 and CJK_CHAR.match(word):
                continue            # 发 in "我发的内容" is inside 发布, 发生, 开发… of any passage
            if word in ASKING_WORDS:
                continue            # it asks for an answer shape, counted as one
            present = self._presence(word)[list(candidates)]
            if not _tells_apart(present):
                continue
            variants = _VARIANTS.get(word, (word,))
            if any(content.search(variant) for variant in variants) and present.mean() >= COMMON_IN_TOPIC:
                continue
            kept.append((word, parts))
        return kept

    def _shape(self, shape: AnswerShape) -> Tuple[np.ndarray, float]:
        """Which passages give an answer of ``shape`` (1 or 0), and its rarity as a weight."""
        key = (f"<{shape.name}>", ("answer shape",))
        cached = self._credits.get(key)
        if cached is None:
            found = np.zeros(len(self.clauses), dtype=bool)
            offsets = [match.start() for match in shape.given.finditer(self._corpus)]
            if offsets:
                found[np.searchsorted(self._starts, offsets, side="right") - 1] = True
            having = int(np.count_nonzero(found))
            cached = (found.astype(np.float32),
                      math.log(1.0 + (len(self.clauses) - having + 0.5) / (having + 0.5)))
            self._credits[key] = cached
        return cached

    def search(self, question: str, k: int = 3, topic: Optional[str] = None,
               min_coverage: float = 0.0) -> List[Hit]:
        if k <= 0:
            return []
        scores = self.scores(question, topic)
        candidates = np.flatnonzero(scores > 0)
        if not candidates.size:
            return []
        ranked = candidates[np.argsort(-scores[candidates], kind="stable")]
        coverage = self.coverage(question)
        hits = []
        for i in ranked:
            covered = round(float(coverage[i]), 4)
            if covered < min_coverage:
                continue
            hits.append(Hit(section=self.clauses[i].section, text=self.clauses[i].text, score=float(scores[i]),
                            coverage=covered))
            if len(hits) == k:
                break
        return hits
