"""Reference data (DECISIONS §14): the two national departments of 发改高技〔2021〕484号 and each of the 13 regions'
发展改革委 and 科技厅（委、局）, with the names they go by (as in the demo). Looked up by name and created only when
missing, so an office that already keeps them (or renamed them on the 单位管理 page) keeps its rows."""

from django.db import migrations

NATIONAL = [
    ("国家发展改革委创新和高技术发展司", "国家发展改革委高技术司", "national_ndrc"),
    ("科技部成果转化与区域创新司", "科技部成果司", "national_most"),
]
# The regions' science departments that are not called 科技厅.
SCIENCE_DEPT = {
    "北京市": "北京市科委、中关村管委会",
    "天津市": "天津市科技局",
    "上海市": "上海市科委",
    "重庆市": "重庆市科技局",
}


def reference_organizations(regions):
    """(name, short name, kind, region) of every reference organisation; ``regions``: Region rows."""
    rows = [(name, short, kind, None) for name, short, kind in NATIONAL]
    for region in regions:
        rows.append((f"{region.name}发展改革委", "", "regional_drc", region))
        rows.append((SCIENCE_DEPT.get(region.name, f"{region.name}科技厅"), "", "regional_scitech", region))
    return rows


def forwards(apps, schema_editor):
    Region = apps.get_model("reform_portal", "Region")
    Organization = apps.get_model("reform_portal", "Organization")
    for name, short, kind, region in reference_organizations(Region.objects.order_by("code")):
        if not Organization.objects.filter(name=name, region=region).exists():
            Organization.objects.create(name=name, short_name=short, kind=kind, region=region)


class Migration(migrations.Migration):
    dependencies = [("reform_portal", "0007_handoff_keys_channels_organizations")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
