"""The portal's Chinese form errors keep Django's wording whatever other apps are installed: an installed app's
catalog outranks Django's core catalog (djangorestframework says "该字段是必填项。" for "这个字段是必填项。"), so
locale/zh_Hans pins Django's own text for those messages (scripts/zh_pin.py writes it)."""

import importlib.util
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)


def _script():
    spec = importlib.util.spec_from_file_location("zh_pin", ROOT / "scripts" / "zh_pin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pinned_catalog_is_current():
    module = _script()
    on_disk = {e.msgid: e.msgstr for e in polib.mofile(str(module.PO.with_suffix(".mo")))}
    assert on_disk == module.pinned(), "run: .venv/bin/python scripts/zh_pin.py"


def test_a_required_field_says_it_in_djangos_words():
    with translation.override("zh-hans"):
        assert translation.gettext("This field is required.") == "这个字段是必填项。"
        assert translation.gettext("Enter a valid email address.") == "输入一个有效的 Email 地址。"
