# The 科技厅's sign-off fields were called std_* ("std" reads as "standard"); same columns, clearer names.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("bidding", "0003_revision_for_optimistic_locking")]

    operations = [
        migrations.RenameField("bidset", "std_signed_by", "scitech_signed_by"),
        migrations.RenameField("bidset", "std_signed_at", "scitech_signed_at"),
        migrations.RenameField("historicalbidset", "std_signed_by", "scitech_signed_by"),
        migrations.RenameField("historicalbidset", "std_signed_at", "scitech_signed_at"),
    ]
