"""Issue 17 §10: results are public only once the reviewers press 公布评估结果. Years already closed
(本年度已结束) whose results were on the public page (a submitted assessment) stay published."""

from django.db import migrations

SUBMITTED = ["submitted", "reopen_requested"]


def publish_closed_years(apps, schema_editor):
    ReformCycle = apps.get_model("reform_portal", "ReformCycle")
    Assessment = apps.get_model("evaluation", "Assessment")
    years = Assessment.objects.filter(state__in=SUBMITTED, task__cycle__state="closed").values("task__cycle")
    ReformCycle.objects.filter(pk__in=years).update(results_state="published")


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0003_revision_for_optimistic_locking"),
        ("reform_portal", "0015_cycle_results_state"),
    ]

    operations = [migrations.RunPython(publish_closed_years, migrations.RunPython.noop)]
