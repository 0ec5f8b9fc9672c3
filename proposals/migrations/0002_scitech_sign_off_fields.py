# The 科技厅's sign-off fields were called std_* ("std" reads as "standard"); same columns, clearer names.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]

    operations = [
        migrations.RenameField("proposalbook", "std_signed_by", "scitech_signed_by"),
        migrations.RenameField("proposalbook", "std_signed_at", "scitech_signed_at"),
        migrations.RenameField("historicalproposalbook", "std_signed_by", "scitech_signed_by"),
        migrations.RenameField("historicalproposalbook", "std_signed_at", "scitech_signed_at"),
    ]
