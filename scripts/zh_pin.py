"""Write locale/zh_Hans/LC_MESSAGES/django.po: Django's own Chinese for every message another installed app (today
djangorestframework) translates differently. An app's catalog outranks Django's core one, so without this file the
portal's form errors would change wording ("该字段是必填项。" for "这个字段是必填项。") the day such an app is installed;
LOCALE_PATHS outranks every app. Run from the project root with the project's Python; tests/config/test_locale.py
fails when the file is stale.
"""

import sys
from pathlib import Path

import django
import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"


def pinned():
    """{msgid: Django's msgstr} for the messages an installed app's zh_Hans catalog translates otherwise."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.apps import apps

    core = polib.mofile(str(Path(django.__file__).parent / "conf/locale/zh_Hans/LC_MESSAGES/django.mo"))
    ours = {e.msgid: e.msgstr for e in core if e.msgstr and not e.msgid_plural}
    found = {}
    for config in apps.get_app_configs():
        mo = Path(config.path) / "locale/zh_Hans/LC_MESSAGES/django.mo"
        if not mo.exists() or config.name.startswith("django."):
            continue
        for entry in polib.mofile(str(mo)):
            if entry.msgid in ours and entry.msgstr and entry.msgstr != ours[entry.msgid]:
                found[entry.msgid] = ours[entry.msgid]
    return dict(sorted(found.items()))


def main():
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "zh_Hans"}
    for msgid, msgstr in pinned().items():
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    PO.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(PO))
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    print(f"{len(po)} messages pinned to Django's own Chinese", file=sys.stderr)


if __name__ == "__main__":
    main()
