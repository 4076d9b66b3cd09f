"""The message catalogues: extract every translatable sentence from the code (Babel) into locale/messages.pot and
merge it into each language's messages.po.  Run `python -m ui.catalogue` after adding or changing a sentence, then
translate the new entries of locale/zh_CN/LC_MESSAGES/messages.po (tests/test_i18n.py checks both are up to date).

Marked sentences: _("…") and N_("…") in the interface, msg("…") and FormulaError("…") in gradcore, and the preset
names (Preset("…", …)). No Streamlit here: the tests and the command line import it.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
KEYWORDS = {"_": None, "N_": None, "msg": None, "FormulaError": None, "Preset": None}
SOURCES = ("app.py", "pages", "ui", "gradcore")
LANGUAGES = {"zh_CN": LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po"}


def _in_sources(filename: str) -> bool:
    return filename == "app.py" or filename.split("/")[0] in SOURCES[1:]


def _wanted_directory(path: str) -> bool:
    """The repository root and the source folders (no hidden or __pycache__ folders)."""
    parts = Path(path).resolve().relative_to(ROOT).parts
    return not parts or (parts[0] in SOURCES and not any(p.startswith((".", "_")) for p in parts))


def extract() -> Catalog:
    """Every marked sentence of the code, with the files and lines it comes from."""
    catalog = Catalog(project="Gradient Lab", charset="utf-8")
    found = extract_from_dir(str(ROOT), [("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
                             strip_comment_tags=True, directory_filter=_wanted_directory)
    for filename, lineno, message, comments, context in found:
        if _in_sources(filename) and message:
            catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=120, sort_output=True, omit_header=False, include_lineno=False)


def update() -> None:
    """Rewrite the template from the code and merge it into every language's catalogue (new ids get an empty msgstr)."""
    template = extract()
    write(template, TEMPLATE)
    for locale, path in LANGUAGES.items():
        catalog = read(path, locale) if path.exists() else Catalog(locale=locale, project="Gradient Lab")
        catalog.update(template, no_fuzzy_matching=True)
        write(catalog, path)


if __name__ == "__main__":
    update()
