"""Does a free text look like it holds personal data? A warning, never a block.

Gap descriptions must describe the support system, not a family. The coordinator is
warned when the text contains something shaped like a Swedish personal identity number
(ÅÅÅÅMMDD-NNNN, ÅÅMMDD-NNNN, with or without the dash, samordningsnummer included), an
e-mail address or phone number, or two capitalised words in a row that are not the name
of a known organisation or place (a first name and a surname). It is a heuristic: it
asks the person to look again, and the person decides.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PERSONAL_NUMBER = re.compile(
    r"(?<![\d-])(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]|[6-8]\d|9[01])[-+ ]?\d{4}(?![\d-])"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?<!\d)(?:\+46\s?|0)7\d[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)")
WORD = r"[A-ZÅÄÖÉ][a-zåäöéüæø]+(?:-[A-ZÅÄÖÉ][a-zåäöéüæø]+)?"
TOKEN = re.compile(r"[\wåäöÅÄÖéÉ-]+")
CAPITALISED = re.compile(rf"^{WORD}$")

# Capitalised words that are not names of people: organisations, places, months, weekdays
# and words that begin sentences in this kind of text. Words for family roles ("Mamma",
# "Eleven") are deliberately absent: followed by a capitalised word they usually name
# someone. Organisation and place names from the
# database are added at call time.
_NOT_NAMES_TEXT = """
    Region Kommun Kommunen Regionen Försäkringskassan Arbetsförmedlingen Habiliteringen
    Habilitering Barnhabiliteringen Socialtjänsten Socialtjänst Skolan Skola Elevhälsan
    Elevhälsa Barn Unga Vuxna Barnets Bästa Barnhälsovården Vårdcentralen Vårdcentral
    Primärvården Första Linjen Linje Psykiatri Psykiatrin Sörmland Sverige Stockholm
    Januari Februari Mars April Maj Juni Juli Augusti September Oktober November December
    Måndag Tisdag Onsdag Torsdag Fredag Lördag Söndag
    Vi Det Den De Många Flera Efter Under Inför Sedan När Där Här Ingen Inga Hos Till Från
    Väntetid Väntetiden Kön Remissen Remiss Beslut Beslutet Ansökan Handläggningen
    Samordningsenheten Kommunledningskontoret
    Funktionsrätt Autism Riksförbundet Attention Föreningen Hjärnkoll Ungdomsmottagningen
    Sjukhuset Mälarsjukhuset Kullbergska Skiftingeskolan Sandbäcksskolan Eskilstuna Katrineholm
    BUP LSS SIP HSL SoL OSL BVC
"""
NOT_NAMES = {word.lower() for word in _NOT_NAMES_TEXT.split()}


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str

    @property
    def message(self) -> str:
        return str(MESSAGES[self.kind])


MESSAGES = {
    "personal_number": _("Texten innehåller något som liknar ett personnummer."),
    "email": _("Texten innehåller en e-postadress."),
    "phone": _("Texten innehåller ett telefonnummer."),
    "name": _("Texten innehåller något som liknar ett namn på en person."),
}


def known_words() -> set[str]:
    """Words of the names of organisations and places in the portal (not person names)."""
    from agencies.models import Agency, Principal

    words: set[str] = set()
    for name in [*Agency.objects.values_list("name", flat=True), *Principal.objects.values_list("name", flat=True)]:
        words.update(w.lower() for w in re.findall(r"[\wåäöÅÄÖ-]+", name))
    return words


def screen(text: str, *, extra_not_names: Iterable[str] = ()) -> list[Finding]:
    """What in `text` looks like personal data (empty when nothing does)."""
    findings: list[Finding] = []
    text = text or ""
    for match in PERSONAL_NUMBER.finditer(text):
        findings.append(Finding("personal_number", match.group(0)))
    for match in EMAIL.finditer(text):
        findings.append(Finding("email", match.group(0)))
    for match in PHONE.finditer(text):
        findings.append(Finding("phone", match.group(0)))
    not_names = NOT_NAMES | {w.lower() for w in extra_not_names}
    tokens = list(TOKEN.finditer(text))
    for left, right in itertools.pairwise(tokens):
        between = text[left.end() : right.start()]
        if not between or not between.isspace() or "\n\n" in between:
            continue
        first, second = left.group(0), right.group(0)
        if not (CAPITALISED.match(first) and CAPITALISED.match(second)):
            continue
        if first.lower() in not_names or second.lower() in not_names:
            continue
        findings.append(Finding("name", f"{first} {second}"))
    return findings
