from django.db import migrations, models


def awaiting_from_ledger(apps, schema_editor):
    """UNPAID orders whose bank asked for 3-D Secure, as the ledger told until now, await authentication."""
    Order = apps.get_model("orders", "Order")
    Order.objects.filter(status="UNPAID", payment_events__kind="requires_action").update(awaiting_authentication=True)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_order_list_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="awaiting_authentication",
            # A database default too: the previous release, still running mid-rollout, inserts orders without it.
            field=models.BooleanField(default=False, db_default=False),
        ),
        migrations.RunPython(awaiting_from_ledger, migrations.RunPython.noop),
    ]
