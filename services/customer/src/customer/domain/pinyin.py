"""How a name can be found: by any part of it, by its pinyin and by the pinyin's initials.

张三 is found by "张", "三", "张三", "zhangsan", "zhang", "san", "zs" and "s": every key below is a
suffix of the name (or of its pinyin, cut at syllables), so "contains" becomes "a key starts with",
which an ordinary index answers. Pinyin from pypinyin (https://github.com/mozillazg/python-pinyin),
the most usual reading of each character in context. A name of Chinese characters in which no two or more side by side
are a phrase of pypinyin's (most personal names) is read a character at a time from a cache, without pypinyin's
segmentation and converters; a property test checks that this gives what pypinyin gives.
"""
from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple, cast

from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS

NAME, PINYIN, INITIALS = 0, 1, 2
#: Longest key kept (longer names are found by their first KEY_LENGTH characters from any position).
KEY_LENGTH = 64
#: Keys start at most this far into a name (company names run long; people's names are 2 to 4 characters).
MAX_POSITIONS = 32
_SPACES = re.compile(r"[\s'’·.\-]+")
_LATIN = re.compile(r"^[a-z0-9]+$")
#: Surnames read otherwise than the character's usual reading (曾 zeng not ceng, 单 shan not dan).
SURNAME_READINGS = {"曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou",
                    "盖": "ge", "覃": "qin", "翟": "zhai", "缪": "miao", "秘": "bi", "种": "chong", "尉": "yu",
                    "繁": "po", "员": "yun", "召": "shao", "宓": "fu", "芮": "rui", "臧": "zang"}


class SearchKey(NamedTuple):
    """One way to find a name: its kind (NAME, PINYIN or INITIALS), where it starts, the key itself."""

    kind: int
    position: int
    key: str


def fold(text: str) -> str:
    """Text as keys and search terms compare it: lower case, no spaces, apostrophes, dots or dashes."""
    return _SPACES.sub("", text.lower())


def syllables(name: str) -> list[str]:
    """The pinyin of each Chinese character of `name`, other runs (Latin letters, digits) kept whole."""
    text = name.strip().lower()
    sounds = _by_character(text)
    if sounds is None:
        return _by_pypinyin(name)
    if text[0] in SURNAME_READINGS:
        sounds[0] = SURNAME_READINGS[text[0]]
    return sounds


def _by_pypinyin(name: str) -> list[str]:
    """`syllables` by pypinyin's segmentation and phrase readings: for any name `_by_character` cannot read."""
    text = name.strip().lower()
    sounds = [part for part in (fold(s) for s in lazy_pinyin(text)) if part]
    if sounds and text[:1] in SURNAME_READINGS:
        sounds[0] = SURNAME_READINGS[text[0]]
    return sounds


def _by_character(text: str) -> list[str] | None:
    """The pinyin of `text` a character at a time; None unless every character has a reading of its own and no two or
    more side by side are a phrase of pypinyin's (then pypinyin's segmentation can only cut it into characters)."""
    sounds = [_reading(char) for char in text]
    if not text or None in sounds:
        return None
    for start in range(len(text) - 1):
        for end in range(start + 2, len(text) + 1):
            if text[start:end] in PHRASES_DICT:
                return None
    return cast("list[str]", sounds)  # None is not among them


@cache
def _reading(char: str) -> str | None:
    """What lazy_pinyin gives one Chinese character alone (its first reading, no tone, ü as v), folded; None for
    a character without one. Alone or between characters it makes no phrase with, a character reads the same."""
    if not RE_HANS.match(char) or ord(char) not in PINYIN_DICT:
        return None
    return fold(lazy_pinyin(char)[0]) or None


def search_keys(name: str) -> list[SearchKey]:
    """Every key `name` is found by (no two the same kind, position and text)."""
    folded = fold(name)
    keys = [SearchKey(NAME, position, folded[position:position + KEY_LENGTH])
            for position in range(min(len(folded), MAX_POSITIONS))]
    sounds = syllables(name)
    if sounds != [folded]:  # a name with Chinese characters in it: add its pinyin
        for position in range(min(len(sounds), MAX_POSITIONS)):
            keys.append(SearchKey(PINYIN, position, "".join(sounds[position:])[:KEY_LENGTH]))
            keys.append(SearchKey(INITIALS, position, "".join(s[0] for s in sounds[position:])[:KEY_LENGTH]))
    return keys


def is_pinyin_term(term: str) -> bool:
    """True when a search term could be pinyin or initials (Latin letters only, once folded)."""
    return bool(_LATIN.match(fold(term))) and not fold(term).isdigit()
