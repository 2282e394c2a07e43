"""Languages: Simplified Chinese first, English second; chosen from the browser, switchable per person.

Strings shown to a person are written in English in the code and templates and translated through gettext
catalogues (translations/<locale>/LC_MESSAGES/messages.po, the one source). The catalogues are compiled when
the app starts, so no compiled file is kept in the repository. Dates, times and money are formatted in the
person's locale and the business time zone (Flask-Babel).
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
#: The languages a person may choose, first the default: code -> the name shown in the switcher.
LANGUAGES = {"zh": "中文", "en": "English"}
#: Babel's locale for each language.
LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
#: The cookie that keeps a person's choice (a year), so it holds across sign-ins on that browser.
COOKIE = "guanxi_lang"


def language() -> str:
    """The current request's language: the person's choice, else the browser's preference, else Chinese."""
    chosen = session.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en", "en-US", "en-GB"])
    return "en" if best and best.startswith("en") else "zh"


def api_language() -> str:
    """The Accept-Language the console sends the API, so its messages come back in the person's language."""
    return "en" if language() == "en" else "zh-CN"


def compile_catalogues(target: Path) -> Path:
    """Compile every messages.po under TRANSLATIONS into `target` (a folder Flask-Babel then reads)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parts[-3])
        out = target / po.parts[-3] / "LC_MESSAGES" / "messages.mo"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as sink:
            write_mo(sink, catalogue)
    return target


def when(value: str | datetime | None, style: str = "medium") -> str:
    """A timestamp from the API (ISO 8601) in the person's locale and the business time zone."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, style)


def day(value: str | date | None, style: str = "medium") -> str:
    """A date from the API in the person's locale."""
    if not value:
        return ""
    return format_date(date.fromisoformat(value[:10]) if isinstance(value, str) else value, style)


def money(value: str | float | int | None) -> str:
    """An amount in yuan, in the person's locale (¥1,234.50)."""
    if value in (None, ""):
        return ""
    return "¥" + format_decimal(float(value), format="#,##0.00")


def install(app: Flask, time_zone: str, compiled: Path) -> None:
    """Flask-Babel with the person's language and the business time zone; the formatting filters."""
    app.config.update(BABEL_DEFAULT_LOCALE="zh_Hans_CN", BABEL_DEFAULT_TIMEZONE=time_zone,
                      BABEL_TRANSLATION_DIRECTORIES=str(compile_catalogues(compiled)))
    Babel(app, locale_selector=lambda: LOCALES[language()])
    app.jinja_env.filters.update(when=when, day=day, money=money)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, language=language, get_locale=get_locale)
