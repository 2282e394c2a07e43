"""Every string the console shows a person has its Simplified Chinese translation, and no template shows English
that bypasses the catalogue. The checks are run on the console itself and, to show they bite, on small samples
that break each rule."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

CONSOLE = Path(__file__).resolve().parents[2]
SOURCES = CONSOLE / "src" / "console"
CATALOGUE = SOURCES / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
#: Flask-Babel's lazy forms are extracted too (a dict of code -> label made at import time needs them).
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2), "_l": None}
#: Words a template may show as they are: names and codes that are the same in every language.
ALLOWED_WORDS = frozenset({"VIN", "WeChat", "OpenID", "CRM", "NPS", "SLA", "English"})
#: Attributes whose values a person sees or hears (a screen reader reads aria-label and alt).
SHOWN_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt", "aria-description", "aria-placeholder")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def extracted(root: Path = CONSOLE) -> dict[str, list[str]]:
    """Every msgid in the console's Python and templates (as babel.cfg maps them) -> where it is used."""
    with (root / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def untranslated(messages: dict[str, list[str]], po_file: Path) -> list[str]:
    """The msgids lacking a usable Chinese translation: absent, empty, fuzzy, or with other placeholders."""
    with po_file.open("rb") as source:
        catalogue = read_po(source, locale="zh_Hans_CN")
    problems = []
    for msgid, where in sorted(messages.items()):
        entry = catalogue.get(msgid)
        if entry is None:
            # A plural's msgid is its singular; babel keys the entry by it.
            entry = next((item for item in catalogue if isinstance(item.id, tuple) and msgid in item.id), None)
        strings = [] if entry is None else (list(entry.string) if isinstance(entry.string, tuple) else [entry.string])
        if entry is None or not all(strings):
            problems.append(f"no translation: {msgid!r} ({where[0]})")
        elif entry.fuzzy:
            problems.append(f"fuzzy translation: {msgid!r} ({where[0]})")
        elif any(set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(msgid)) for text in strings):
            problems.append(f"placeholders differ: {msgid!r} -> {strings!r}")
    return problems


def po_msgids(po_file: Path) -> list[tuple[str | None, str]]:
    """Every (msgctxt, msgid) written in the .po file, in order (read from its text, so duplicates show)."""
    entries, context, current, field = [], None, None, None
    for line in po_file.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if line.startswith("msgctxt "):
            context, field = _unquote(line[8:]), "ctxt"
        elif line.startswith("msgid "):
            current, field = _unquote(line[6:]), "id"
        elif line.startswith('"') and field in ("id", "ctxt"):
            if field == "id":
                current += _unquote(line)
            else:
                context += _unquote(line)
        elif line.startswith("msgstr") or line.startswith("msgid_plural"):
            if field == "id" and current:
                entries.append((context, current))
                context = None
            field = "str"
    return entries


def _unquote(text: str) -> str:
    return text.strip()[1:-1].encode("raw_unicode_escape").decode("unicode_escape")


JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
ATTRIBUTE = re.compile(r"\s(" + "|".join(SHOWN_ATTRIBUTES) + r""")\s*=\s*("[^"]*"|'[^']*')""", re.I)
BUTTON_VALUE = re.compile(r"""<input[^>]*type=["'](?:submit|button|reset)["'][^>]*>""", re.I)
ENTITY = re.compile(r"&#?\w+;")
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def english_in_template(text: str) -> list[str]:
    """Words a person would see untranslated in a template: text between tags, and shown attributes' values,
    once Jinja's tags, expressions and comments are taken out."""
    without_jinja = JINJA.sub("", text)
    without_scripts = re.sub(r"<(script|style)\b.*?</\1>", "", without_jinja, flags=re.S | re.I)
    found = []
    for _name, value in ATTRIBUTE.findall(without_scripts):
        found += WORD.findall(value[1:-1])
    for button in BUTTON_VALUE.findall(without_scripts):
        value = re.search(r"""\svalue\s*=\s*("[^"]*"|'[^']*')""", button)
        if value:
            found += WORD.findall(value.group(1)[1:-1])
    visible = ENTITY.sub(" ", TAG.sub(" ", without_scripts))
    found += WORD.findall(visible)
    # A single letter is a code or a key (an intent grade: H, A, B, C; the j and k keys), the same in every language.
    return [word for word in found if word not in ALLOWED_WORDS and len(word) > 1]


def templates() -> list[Path]:
    return sorted((SOURCES / "templates").rglob("*.html"))


# The console itself.

def test_every_string_shown_has_its_chinese_translation():
    messages = extracted()
    assert len(messages) > 30  # the extraction found the console's strings
    assert "Sign in" in messages and "Search" in messages
    assert untranslated(messages, CATALOGUE) == []


def test_the_catalogue_names_each_string_once():
    entries = po_msgids(CATALOGUE)
    assert len(entries) > 30
    duplicates = sorted({entry[1] for entry in entries if entries.count(entry) > 1})
    assert duplicates == []


def test_the_catalogue_reads_as_chinese():
    with CATALOGUE.open("rb") as source:
        catalogue = read_po(source, locale="zh_Hans_CN")
    # A translation without Chinese is an English string copied over, unless it holds only names and codes.
    latin_only = [message.id for message in catalogue if message.id and message.string
                  and not re.search(r"[\u4e00-\u9fff]", str(message.string))
                  and set(WORD.findall(PLACEHOLDER.sub("", str(message.string)))) - ALLOWED_WORDS]
    assert latin_only == []


@pytest.mark.parametrize("template", templates(), ids=lambda path: str(path.relative_to(SOURCES / "templates")))
def test_templates_show_no_english_outside_the_catalogue(template):
    assert english_in_template(template.read_text(encoding="utf-8")) == []


# The checks bite.

def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


PO_HEADER = 'msgid ""\nmsgstr ""\n"Language: zh_Hans_CN\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'


def test_a_string_without_its_translation_is_found(tmp_path):
    po = write(tmp_path / "messages.po", PO_HEADER + 'msgid "Today"\nmsgstr "今日待办"\n\n'
               'msgid "Snooze"\nmsgstr ""\n\n#, fuzzy\nmsgid "Book"\nmsgstr "预约"\n\n'
               'msgid "Due in %(days)s days"\nmsgstr "还有 %(day)s 天"\n')
    messages = {"Today": ["a.html:1"], "Snooze": ["a.html:2"], "Book": ["a.py:3"], "Due in %(days)s days": ["b:1"],
                "Temporary string nobody translated": ["c.html:9"]}
    assert untranslated(messages, po) == [
        "fuzzy translation: 'Book' (a.py:3)",
        "placeholders differ: 'Due in %(days)s days' -> ['还有 %(day)s 天']",
        "no translation: 'Snooze' (a.html:2)",
        "no translation: 'Temporary string nobody translated' (c.html:9)",
    ]


def test_a_new_template_string_is_extracted_and_found_untranslated(tmp_path):
    root = tmp_path / "console"
    write(root / "babel.cfg", (CONSOLE / "babel.cfg").read_text())
    write(root / "src" / "console" / "templates" / "today" / "x.html",
          '{{ _("Sign in") }} {{ _("Callbacks due: %(count)s", count=3) }}')
    write(root / "src" / "console" / "views" / "x.py",
          'from flask_babel import lazy_gettext as _l\nKINDS = {"birthday": _l("A string nobody has translated")}\n')
    messages = extracted(root)
    assert set(messages) == {"Sign in", "Callbacks due: %(count)s", "A string nobody has translated"}
    assert untranslated(messages, CATALOGUE) == [
        "no translation: 'A string nobody has translated' (src/console/views/x.py:2)",
        "no translation: 'Callbacks due: %(count)s' (src/console/templates/today/x.html:1)",
    ]


def test_a_duplicate_msgid_is_found(tmp_path):
    po = write(tmp_path / "messages.po", PO_HEADER + 'msgid "Save"\nmsgstr "保存"\n\nmsgid ""\n"Sa"\n"ve"\n'
               'msgstr "存"\n\nmsgctxt "menu"\nmsgid "Save"\nmsgstr "保存"\n')
    entries = po_msgids(po)
    assert entries == [(None, "Save"), (None, "Save"), ("menu", "Save")]


@pytest.mark.parametrize(("template", "words"), [
    ('<h1>{{ _("Today") }}</h1><p>Overdue</p>', ["Overdue"]),
    ('<button type="submit">Save changes</button>', ["Save", "changes"]),
    ('<input placeholder="Phone number" aria-label="{{ _(\'Phone\') }}">', ["Phone", "number"]),
    ('<button aria-label="Close" title="{{ _(\'Close\') }}">&times;</button>', ["Close"]),
    ('<img alt="Logo" src="x.png">', ["Logo"]),
    ('<input type="submit" value="Go">', ["Go"]),
    ('{# a comment in English #}{% if person.can("write") %}<a href="/x">{{ _("Edit") }}</a>{% endif %}', []),
    ('<td>{{ customer.name }}</td><td>VIN {{ vehicle.vin }}</td><div class="d-flex gap-2" data-x="Anything">', []),
    ('<option value="H">H</option><span>12 km</span>', ["km"]),
])
def test_visible_english_in_a_template_is_found(template, words):
    assert english_in_template(template) == words
