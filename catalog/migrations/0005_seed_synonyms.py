"""Seeds the synonym table of 合并同类项 from catalog/data/synonyms.txt (issue 16). A group already present (by
its canonical term) is left as the reviewers edited it."""

import re
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "synonyms.txt"


def groups():
    for line in DATA_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = [w for w in re.split(r"[\s、，,;；]+", line) if w]
        yield words[0], list(dict.fromkeys(words[1:]))


def forwards(apps, schema_editor):
    SynonymGroup = apps.get_model("catalog", "SynonymGroup")
    for canonical, variants in groups():
        SynonymGroup.objects.get_or_create(canonical=canonical, defaults={"variants": " ".join(variants)})


def backwards(apps, schema_editor):
    apps.get_model("catalog", "SynonymGroup").objects.filter(canonical__in=[c for c, _ in groups()]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_synonym_groups")]
    operations = [migrations.RunPython(forwards, backwards)]
