"""The kit's text patterns read the same in Python's `re`, in pydantic (Rust's regex
crate) and in the OpenAPI document's ECMA-262 dialect, for every character."""

from __future__ import annotations

import re
import sys

import pytest
from pydantic import BaseModel, Field, ValidationError

from hearth_kit.text_patterns import HAS_WORDS, ONE_WORD

ECMA_SPACE = frozenset(
    "\t\n\v\f\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
"""ECMA-262's WhiteSpace and LineTerminator: what `\\s` matches in a JSON Schema
pattern (tab, VT, FF, space, NBSP, ZWNBSP, the Zs category; LF, CR, LS, PS)."""

PYTHON_SPACE = frozenset(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
"""What Python's `\\s` matches in a str pattern: the characters `str.isspace` accepts."""

RUST_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Rust's regex crate: `\\s` is Unicode's White_Space property."""

SPACE_TO_SOMEONE = ECMA_SPACE | PYTHON_SPACE | RUST_SPACE

CANDIDATES = sorted(SPACE_TO_SOMEONE | set("a.@-_\x00\x1b\x7f\x84\x86\u200b\ufffe"))


class Named(BaseModel):
    name: str = Field(pattern=HAS_WORDS)


class Referenced(BaseModel):
    reference: str = Field(pattern=ONE_WORD)


def pydantic_takes(model: type[BaseModel], field: str, value: str) -> bool:
    try:
        model.model_validate({field: value})
    except ValidationError:
        return False
    return True


def test_the_engines_do_disagree_about_space() -> None:
    """Why the patterns are spelled out: each engine's `\\s` has characters the others'
    lacks."""
    assert "\x1f" in PYTHON_SPACE - ECMA_SPACE - RUST_SPACE
    assert "\x85" in (PYTHON_SPACE & RUST_SPACE) - ECMA_SPACE
    assert "\ufeff" in ECMA_SPACE - PYTHON_SPACE - RUST_SPACE


@pytest.mark.parametrize("character", CANDIDATES, ids=lambda c: f"U+{ord(c):04X}")
def test_a_text_of_one_character_is_words_to_every_engine_or_to_none(character: str) -> None:
    words = character not in SPACE_TO_SOMEONE
    assert (re.search(HAS_WORDS, character) is not None) is words
    assert pydantic_takes(Named, "name", character) is words
    assert (re.fullmatch(ONE_WORD, f"photo{character}1.jpg") is not None) is words
    assert pydantic_takes(Referenced, "reference", f"photo{character}1.jpg") is words
