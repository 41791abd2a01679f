"""Patterns for request texts that mean the same to every regex engine that reads them.

A pattern in a request model is read three ways: by pydantic when it checks the value
(Rust's regex crate), by Python's `re` where a validator checks it again, and by every
client and test tool that reads the OpenAPI document (JSON Schema patterns are ECMA-262
regexes: Schemathesis, generated clients, browsers). `\\s` is not the same set in the
three: Python's counts the information separators U+001C to U+001F as space, Python's
and Rust's count U+0085 (next line), ECMA's counts U+FEFF (the byte order mark) and the
others do not. A text made of one of those is then valid by the document and refused by
the service, or the other way round: Schemathesis found `"\\u001f..."` refused as an
email address the schema allowed.

So the patterns here spell the space they refuse as the union of the three sets, which
each engine reads the same: `[^\\s\\x1c-\\x1f\\x85\\ufeff]` is a character that no
engine calls space.
"""

from __future__ import annotations

SPACE_TO_ANY_ENGINE = r"\s\x1c-\x1f\x85\ufeff"
"""The body of a character class: what Python's, Rust's or ECMA-262's `\\s` matches."""

CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f"
"""The body of a character class: C0 and C1 control characters and DEL."""

HAS_WORDS = f"[^{SPACE_TO_ANY_ENGINE}]"
"""A text with at least one character that is not space (`pattern=HAS_WORDS`, searched
anywhere in the value): a name or a description of whitespace alone is refused."""

ONE_WORD = f"^[^{SPACE_TO_ANY_ENGINE}]+$"
"""A text of no space at all (a reference, a file name)."""
