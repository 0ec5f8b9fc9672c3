"""The 13 regions addressed by 发改高技〔2021〕484号 (GB/T 2260 codes) and the role groups."""
from django.db import migrations

REGIONS = [
    ("110000", "北京市"), ("120000", "天津市"), ("130000", "河北省"), ("210000", "辽宁省"),
    ("310000", "上海市"), ("320000", "江苏省"), ("330000", "浙江省"), ("340000", "安徽省"),
    ("420000", "湖北省"), ("440000", "广东省"), ("500000", "重庆市"), ("510000", "四川省"),
    ("610000", "陕西省"),
]
ROLES = ["regional_staff", "national_reviewer", "expert", "ministry_liaison", "evaluator", "implementer"]


def forwards(apps, schema_editor):
    Region = apps.get_model("reform_portal", "Region")
    Group = apps.get_model("auth", "Group")
    for code, name in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"name": name, "active": True})
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def backwards(apps, schema_editor):
    apps.get_model("reform_portal", "Region").objects.filter(code__in=[c for c, _ in REGIONS]).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reform_portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
