"""Person names (姓名): clean-up, masks, surname split and phonetic keys.

`parse_person_name` returns a `PersonNameResult`: the simplified, cleaned name, the surname
and given name (compound surnames known), `is_masked`, and `pinyin_key` / `phonetic_key` for
matching; it never raises. Reason codes: `empty`, `placeholder`, `masked`, `bad_characters`.
The rules (transliterated names, masks, readings of surnames): docs/normalize.md ("Person
name", "Design notes").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import opencc
import pyarrow as pa
from pypinyin import lazy_pinyin

from yiwang.normalize._vector import ArrayLike, map_unique
from yiwang.normalize.text import is_han, normalize_text

COMPOUND_SURNAMES: frozenset[str] = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 令狐 慕容 尉迟 公孙 司徒 司空 夏侯 宇文 长孙 轩辕 端木 澹台 "
    "公冶 宗政 濮阳 淳于 单于 太叔 申屠 仲孙 钟离 万俟 闻人 赫连 呼延 南宫 西门 东郭 独孤 拓跋 "
    "鲜于 闾丘 亓官 司寇 巫马 公西 颛孙 壤驷 公良 漆雕 乐正 宰父 谷梁 段干 百里 左丘 第五 梁丘 "
    "羊舌 微生 公羊 太史".split()
)

# Surnames whose reading differs from the character's most common reading.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "区": "ou", "仇": "qiu", "解": "xie", "查": "zha",
    "朴": "piao", "乐": "yue", "盖": "ge", "覃": "qin", "缪": "miao", "翟": "zhai",
    "召": "shao", "繁": "po", "黑": "he", "折": "she", "种": "chong", "秘": "bi",
    "宿": "su", "员": "yun", "尉": "yu", "句": "gou", "隗": "wei", "柏": "bai",
    "薄": "bo", "贲": "ben", "便": "pian", "谌": "chen", "洗": "xian", "祭": "zhai",
    "长": "zhang", "沈": "shen", "重": "chong", "燕": "yan", "万": "wan", "厦": "xia",
    "万俟": "mo qi", "尉迟": "yu chi", "长孙": "zhang sun", "单于": "chan yu",
    "澹台": "tan tai", "乐正": "yue zheng", "令狐": "ling hu",
}  # fmt: skip

PLACEHOLDERS: frozenset[str] = frozenset(
    "匿名 无 无名 无名氏 不详 未知 不祥 空 暂无 没有 未填 未填写 待定 待补充 待核实 测试 某 某某 "
    "某某某 先生 女士 小姐 师傅 市民 群众 来电人 来电者 来电市民 来访人 来访者 举报人 投诉人 "
    "反映人 网友 热心市民 业主 居民 村民 户主 本人 用户 客户 老人 姓名 同志 未提供 不愿透露 保密 "
    "test null none nan n/a na unknown anonymous x xx xxx".split()
)

MASK_TITLES = (
    "先生 女士 小姐 师傅 老师 阿姨 大爷 大妈 大姐 大哥 大叔 老板 同志 经理 总 叔 伯 婆婆 奶奶 爷爷 "
    "姐 哥 书记 主任 医生 律师 警官".split()
)
MASK_CHARS = "*＊×xX?？○某"
DOTS = "·•・‧∙⋅．.･◦"

REASONS: dict[str, str] = {
    "empty": "nothing left after cleaning",
    "placeholder": "a stand-in such as 匿名, 不详, 先生, null",
    "masked": "only the surname is given (张某, 张*, 张先生, 张)",
    "bad_characters": "digits or symbols in the name",
}

_BRACKETED = re.compile(r"[(（\[【<《].*?[)）\]】>》]")
_DOT_RUN = re.compile(f"\\s*[{re.escape(DOTS)}]+\\s*")
_SEPARATOR = re.compile(r"[\s\-_—,，、/]+")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z .'\-]*$")
_MASK_TAIL = re.compile(f"^(?P<head>.{{1,3}}?)(?:[{re.escape(MASK_CHARS)}]+|{'|'.join(MASK_TITLES)})$")


@dataclass(frozen=True, slots=True)
class PersonNameResult:
    name: str | None
    is_valid: bool
    reason: str | None
    is_masked: bool
    surname: str | None
    given_name: str | None
    script: str | None  # "han", "transliterated" (with ·), "latin"
    pinyin_key: str | None
    phonetic_key: str | None


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (OpenCC t2s)."""
    return _t2s().convert(text)


def split_surname(name: str, compound_surnames: frozenset[str] = COMPOUND_SURNAMES) -> tuple[str, str]:
    """(surname, given name) of a Han name; compound surnames only for 3+ characters."""
    if len(name) >= 3 and name[:2] in compound_surnames:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _syllables(text: str) -> list[str]:
    return [s for s in lazy_pinyin(text) if s.strip() and s.isascii() and s.isalpha()]


def pinyin_key(surname: str | None, given: str | None, whole: str | None = None) -> str:
    """Toneless pinyin, syllables joined by spaces, surnames read by `SURNAME_READINGS`."""
    parts: list[str] = []
    if surname:
        reading = SURNAME_READINGS.get(surname)
        parts.extend(reading.split() if reading else _syllables(surname))
    if given:
        parts.extend(_syllables(given))
    if whole:
        parts.extend(_syllables(whole))
    return " ".join(parts)


_INITIAL_MERGES = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))


def phonetic_key(key: str) -> str:
    """Merge zh/z, ch/c, sh/s, initial n/l and final -ng/-n in a space-separated pinyin key.

    >>> phonetic_key("zhang ning"), phonetic_key("zan lin")
    ('zan lin', 'zan lin')
    """
    out = []
    for syllable in key.split():
        for before, after in _INITIAL_MERGES:
            if syllable.startswith(before):
                syllable = after + syllable[len(before) :]
                break
        if syllable.endswith("ng") and len(syllable) > 2:
            syllable = syllable[:-1]
        out.append(syllable)
    return " ".join(out)


def _result(
    name: str | None,
    reason: str | None,
    *,
    masked: bool = False,
    surname: str | None = None,
    given: str | None = None,
    script: str | None = None,
    key: str | None = None,
) -> PersonNameResult:
    return PersonNameResult(
        name=name,
        is_valid=reason is None,
        reason=reason,
        is_masked=masked,
        surname=surname,
        given_name=given,
        script=script,
        pinyin_key=key or None,
        phonetic_key=phonetic_key(key) if key else None,
    )


def _masked_surname(text: str, compound_surnames: frozenset[str]) -> str | bool | None:
    """The surname kept by a mask, None for a mask without one, False when not a mask."""
    if any(ch in "*＊×?？" for ch in text):
        head = re.split(r"[*＊×?？]", text, maxsplit=1)[0]
    else:
        match = _MASK_TAIL.match(text)
        if not match:
            return False
        head = match.group("head")
    head = "".join(ch for ch in head if is_han(ch))
    if not head:
        return None
    if head[:2] in compound_surnames:
        return head[:2]
    return head[:1]


def parse_person_name(value: Any, *, compound_surnames: frozenset[str] = COMPOUND_SURNAMES) -> PersonNameResult:
    """Normalise one person name. Never raises.

    >>> parse_person_name("劉德華").name, parse_person_name("劉德華").pinyin_key
    ('刘德华', 'liu de hua')
    >>> r = parse_person_name("张**"); (r.reason, r.surname)
    ('masked', '张')
    """
    text = normalize_text(value)
    if not text:
        return _result(None, "empty")
    text = to_simplified(_BRACKETED.sub("", text)).strip()
    if not text:
        return _result(None, "empty")
    if text.lower() in PLACEHOLDERS or re.fullmatch(r"[\W_]+", text):
        return _result(None, "placeholder")
    if _LATIN.match(text) and not re.fullmatch(r"[xX]+", text):
        words = re.split(r"[\s.\-]+", text.strip(" .-"))
        words = [w for w in words if w]
        name = " ".join(w[:1].upper() + w[1:].lower() for w in words)
        return _result(name, None, script="latin", key=" ".join(w.lower() for w in words))
    compact = _SEPARATOR.sub("", text)
    if compact in PLACEHOLDERS:
        return _result(None, "placeholder")
    masked = _masked_surname(compact, compound_surnames)
    if masked is not False and not (
        len(compact) >= 2 and compact[:2] in compound_surnames and compact in compound_surnames
    ):
        if masked is None:
            return _result(None, "placeholder", masked=True)
        return _result(None, "masked", masked=True, surname=masked)
    # dots: fold look-alikes, then decide what spaces mean
    dotted = _DOT_RUN.sub("·", text).strip("·")
    if "·" not in dotted:
        runs = [r for r in _SEPARATOR.split(dotted) if r]
        if len(runs) > 1 and all(len(r) >= 2 for r in runs) and sum(map(len, runs)) >= 5:
            dotted = "·".join(runs)
    name = _SEPARATOR.sub("", dotted)
    if not all(is_han(ch) or ch == "·" for ch in name):
        return _result(None, "bad_characters")
    if "·" in name:
        name = re.sub("·+", "·", name)
        key = pinyin_key(None, None, name.replace("·", ""))
        return _result(name, None, script="transliterated", key=key)
    if len(name) == 1:
        return _result(None, "masked", masked=True, surname=name)
    surname, given = split_surname(name, compound_surnames)
    return _result(name, None, surname=surname, given=given, script="han", key=pinyin_key(surname, given))


def normalize_person_name(value: Any) -> str | None:
    return parse_person_name(value).name


def parse_person_names(values: ArrayLike) -> pa.Table:
    """Vectorised `parse_person_name` (each distinct value parsed once)."""
    return map_unique(values, parse_person_name, PersonNameResult)
