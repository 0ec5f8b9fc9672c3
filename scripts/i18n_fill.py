"""Fill locale/en/LC_MESSAGES/django.po from locale/en/glossary.json, then compile.

    .venv/bin/python manage.py makemessages -l en --ignore=.venv --ignore=tests
    .venv/bin/python scripts/i18n_fill.py

Strings without a glossary entry stay untranslated (Chinese is shown) and are listed.
Entries come from locale/en/glossary.json and every locale/en/glossary.d/*.json (one file per branch of
work, so parallel branches add translations without touching the same lines).
"""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/en/LC_MESSAGES/django.po"
glossary = json.loads((ROOT / "locale/en/glossary.json").read_text(encoding="utf-8"))
for extra in sorted((ROOT / "locale/en/glossary.d").glob("*.json")):
    glossary.update(json.loads(extra.read_text(encoding="utf-8")))
po = polib.pofile(str(PO))
missing = []
for entry in po:
    # an entry with a context (pgettext) is looked up as "context\x04msgid" first, gettext's own key
    text = glossary.get(f"{entry.msgctxt}\x04{entry.msgid}") if entry.msgctxt else None
    text = text if text is not None else glossary.get(entry.msgid)
    if text is None:
        missing.append(entry.msgid)
        continue
    if entry.msgid_plural:
        entry.msgstr_plural = {0: text, 1: glossary.get(entry.msgid_plural, text)}
    else:
        entry.msgstr = text
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
po.save()
po.save_as_mofile(str(PO.with_suffix(".mo")))
print(f"{len(po) - len(missing)} translated, {len(missing)} left in Chinese", file=sys.stderr)
for m in missing:
    print("  " + m, file=sys.stderr)
