"""What shape of answer a question asks for, beyond its words.

"网络日志你们要保存多久" shares no distinctive word with "日志信息保存六个月" that other storage
passages lack — what sets that passage apart is that it states a period, which is what 多久 asks
for. "我的数据存在哪里" asks for a place: the passage naming 境内 answers it, not one under a
heading that repeats 存储. Each shape pairs the question words that ask for it with the text of a
passage that gives it; ``ClauseIndex.best_within`` counts a shape the question asks for like one
of its distinctive words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import FrozenSet, List, Optional

from bot.text import normalize

_NUMBER = r"(?:\d+|[一二三四五六七八九十百两]+)"


@dataclass(frozen=True)
class AnswerShape:
    name: str
    asked: "re.Pattern[str]"             # in the question
    given: "re.Pattern[str]"             # in a passage that answers it
    topics: Optional[FrozenSet[str]] = None   # the question topics it applies to (None: all)
    # counted only when the question has no distinctive word: almost every passage says what
    # something is for, so "为什么要通讯录权限" is decided by 通讯录, not by 用于
    fallback: bool = False


ANSWER_SHAPES = (
    # how long: a retention period, a reply or delivery deadline
    AnswerShape("period", re.compile(r"多久|多长时间|多长|几年|几天|几个月|多少天|多少年|期限|保存多|留多"),
                re.compile(rf"{_NUMBER}\s*(?:个)?(?:工作日|自然日|日历天|天|日|周|月|年)|期限|永久")),
    # what for: the purpose a passage states ("…是为了", "用于…") — 干嘛 names no word of the answer
    AnswerShape("purpose", re.compile(r"干什么|干嘛|做什么|用来|用途|什么用|为什么|为何|目的"),
                re.compile(r"用于|用来|是为了|为了|以便|目的是|判断|帮助"), fallback=True),
    # where (of stored data): the country or place it is kept — "在哪改" asks for a settings path
    # instead, so the shape holds for storage questions only
    AnswerShape("place", re.compile(r"哪里|哪儿|在哪|什么地方|哪个国家|国内|国外|境内|境外|海外|出境"),
                re.compile(r"境内|境外|出境|跨境|存储地点|存放地点|服务器|中国大陆|"
                           r"(?:存储|存放|保存)(?:于|在).{0,8}(?:国|地区|大陆)"),
                frozenset({"storage_retention"})),
)


# Question words that ask for a shape (above) rather than name what is asked about: the
# retrieval synonym map turns 干什么/干嘛/用来 into 用途, which as a word would pick "任何用途".
ASKING_WORDS = frozenset({"用途"})


def shapes_asked(topic: str, question: str, has_words: bool) -> List[AnswerShape]:
    """The answer shapes ``question`` (on ``topic``) asks for; ``has_words``: whether it has
    distinctive words of its own (fallback shapes count only when it has none)."""
    norm = normalize(question).lower()
    return [shape for shape in ANSWER_SHAPES
            if (shape.topics is None or topic in shape.topics) and shape.asked.search(norm)
            and not (shape.fallback and has_words)]
