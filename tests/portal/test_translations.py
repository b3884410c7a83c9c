"""The English catalogs are complete: every string marked for translation has an English text.

Swedish is the source language; English is offered through the language switch in the
header. A string that is marked but not translated shows Swedish on an English page, so
the suite fails on it:

* the committed catalogs have no empty and no fuzzy entries, keep every placeholder and
  HTML tag, and give both plural forms;
* the catalogs cover the code as it is now: `makemessages` is run on a copy of the
  project and must find nothing new or changed. Fix a failure with
  `make messages`, translate the new entries in the .po file, then `make compilemessages`.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What makemessages reads (Makefile `messages`): the project's own code and templates.
SKIP_DIRS = {".venv", ".git", "tests", "bench", "artifacts", "staticfiles", "media", "node_modules", "__pycache__"}
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[sdi]|%[sdi]|<[^>]+>")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def label(self) -> str:
        return repr(self.msgid if len(self.msgid) < 90 else self.msgid[:87] + "...")


def english_catalogs(root: Path = ROOT) -> list[Path]:
    """The project's English catalogs: LOCALE_PATHS plus every app with its own locale/."""
    found = sorted(root.glob("locale/en/LC_MESSAGES/*.po"))
    for app_locale in sorted(root.glob("*/locale")):
        if app_locale.parent.name not in SKIP_DIRS:
            found.extend(sorted(app_locale.glob("en/LC_MESSAGES/*.po")))
    return found


def parse_po(text: str) -> list[Entry]:
    """A small .po parser (polib is not a project dependency): entries, flags, plurals."""
    try:
        import polib
    except ImportError:
        pass
    else:  # pragma: no cover - used when present
        return [
            Entry(
                msgid=e.msgid,
                msgid_plural=e.msgid_plural or None,
                msgctxt=e.msgctxt,
                msgstr=dict(e.msgstr_plural) if e.msgid_plural else {0: e.msgstr},
                flags=set(e.flags),
                obsolete=e.obsolete,
            )
            for e in polib.pofile(text)
        ]

    entries: list[Entry] = []
    current = Entry()
    key: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, key
        if key is not None:
            entries.append(current)
        current, key = Entry(), None

    for raw in text.splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
        elif line.startswith("#"):
            if key is not None and key[0] == "msgstr":
                finish()  # a comment after a msgstr starts the next entry
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif match := re.match(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line):
            name = match.group(1)
            if name in ("msgctxt", "msgid") and key is not None and key[0] == "msgstr":
                finish()
            key = (name, int(match.group(2) or 0))
            current.obsolete = current.obsolete or obsolete
            _append(current, key, ast.literal_eval(match.group(3)))
        elif line.startswith('"') and key is not None:
            _append(current, key, ast.literal_eval(line))
    finish()
    return entries


def _append(entry: Entry, key: tuple[str, int], value: str) -> None:
    name, index = key
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + value
    elif name == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + value
    elif name == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + value
    else:
        entry.msgid += value


def messages(path: Path) -> list[Entry]:
    """The catalog's translatable entries (not the header, not obsolete ones)."""
    return [e for e in parse_po(path.read_text(encoding="utf-8")) if e.msgid and not e.obsolete]


def problems(path: Path) -> list[str]:
    found = []
    for entry in messages(path):
        forms = [entry.msgstr.get(0, "")] if entry.msgid_plural is None else [entry.msgstr.get(i, "") for i in (0, 1)]
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.label}")
        if not all(form.strip() for form in forms):
            found.append(f"untranslated: {entry.label}")
            continue
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        for source, form in zip(sources, forms, strict=True):
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(form)):
                found.append(f"placeholders or HTML differ: {entry.label} -> {form!r}")
            if source.endswith("\n") != form.endswith("\n"):
                found.append(f"trailing newline differs: {entry.label}")
    return found


# --- the parser itself -----------------------------------------------------------------

PO_SAMPLE = r"""# comment
msgid ""
msgstr ""
"Language: en\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: a.py:1
msgid "Samverkan"
msgstr "Collaboration"

#: b.html:2
#, fuzzy, python-format
#| msgid "Hej %(name)s!"
msgid "Hej %(name)s"
msgstr "Hello %(name)s!"

#, python-format
msgid "%(n)s möte"
msgid_plural "%(n)s möten"
msgstr[0] "%(n)s meeting"
msgstr[1] ""

msgid ""
"Två "
"rader\n"
msgstr ""

#~ msgid "Gammal"
#~ msgstr "Old"
"""


def test_parser_reads_flags_plurals_continuations_and_obsolete_entries():
    entries = parse_po(PO_SAMPLE)
    by_id = {e.msgid: e for e in entries}
    assert by_id["Samverkan"].msgstr == {0: "Collaboration"}
    assert "fuzzy" in by_id["Hej %(name)s"].flags
    assert "fuzzy" not in by_id["Samverkan"].flags
    assert by_id["%(n)s möte"].msgid_plural == "%(n)s möten"
    assert by_id["%(n)s möte"].msgstr == {0: "%(n)s meeting", 1: ""}
    assert by_id["Två rader\n"].msgstr == {0: ""}
    assert by_id["Gammal"].obsolete


def test_problems_names_fuzzy_untranslated_and_broken_placeholders(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(PO_SAMPLE + '\nmsgid "Du har %(n)s notiser"\nmsgstr "You have notifications"\n', encoding="utf-8")
    found = problems(po)
    assert "fuzzy: 'Hej %(name)s'" in found
    assert "untranslated: '%(n)s möte'" in found
    assert "untranslated: 'Två rader\\n'" in found
    assert any(p.startswith("placeholders or HTML differ: 'Du har %(n)s notiser'") for p in found)
    assert not any("'Samverkan'" in p for p in found)


# --- the real catalogs ---------------------------------------------------------------


def test_english_catalogs_exist_for_the_project_and_the_apps_with_their_own():
    catalogs = {str(p.relative_to(ROOT)) for p in english_catalogs()}
    assert "locale/en/LC_MESSAGES/django.po" in catalogs
    assert "notifications/locale/en/LC_MESSAGES/django.po" in catalogs
    for path in english_catalogs():
        assert len(messages(path)) > 0, path


@pytest.mark.parametrize("catalog", english_catalogs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_english_catalog_is_complete(catalog):
    found = problems(catalog)
    assert found == [], f"{catalog.relative_to(ROOT)}: {len(found)} problems\n" + "\n".join(found[:50])


def _copy_sources(destination: Path) -> None:
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if set(relative.parts) & SKIP_DIRS or not path.is_file():
            continue
        if path.suffix in SOURCE_SUFFIXES or (path.suffix == ".po" and "locale" in relative.parts):
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_catalogs_cover_every_string_marked_in_the_code(tmp_path):
    """makemessages on a copy finds nothing new: every marked string is in a catalog, translated."""
    copy = tmp_path / "project"
    _copy_sources(copy)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
        cwd=copy,
        env={**_env(), "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = []
    for catalog in english_catalogs(copy):
        found += [f"{catalog.relative_to(copy)}: {p}" for p in problems(catalog)]
    assert found == [], (
        "Strings marked for translation but missing from the English catalogs "
        "(run `make messages`, translate them, `make compilemessages`):\n" + "\n".join(found[:50])
    )


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
