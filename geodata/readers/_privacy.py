"""Removal of personal contact data (phones, e-mails) from free text kept from source files."""

from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(?:\+33\s?|0033\s?|0)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def redact_contacts(text: str) -> str:
    """``text`` with phone numbers and e-mail addresses replaced by a French placeholder."""
    text = _EMAIL.sub("[courriel masqué]", text)
    return _PHONE.sub("[téléphone masqué]", text)
