import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Name the fields for what they hold; the API keeps the 2017 wire names."""

    dependencies = [
        ("orders", "0002_mysql_binary_collation_for_keys"),
    ]

    operations = [
        migrations.RenameField(model_name="order", old_name="paymentstatus", new_name="status"),
        migrations.RenameField(model_name="order", old_name="orderdate", new_name="ordered_at"),
        migrations.AlterModelOptions(name="order", options={"ordering": ["-ordered_at", "-id"]}),
        migrations.AlterField(
            model_name="order",
            name="ordered_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="order date"),
        ),
        migrations.AlterField(
            model_name="order",
            name="status",
            field=models.CharField(
                choices=[
                    ("UNPAID", "Unpaid (recorded, payment not confirmed yet)"),
                    ("PAID", "Paid"),
                    ("FAILED", "Failed (nothing was charged)"),
                    ("REFUNDED", "Refunded"),
                ],
                db_index=True,
                default="UNPAID",
                max_length=10,
                verbose_name="payment status",
            ),
        ),
        # Renaming a column keeps its index (SQLite and MySQL alike): only the
        # migration state needs to learn the index's new field name.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="order", name="order_user_date_idx"),
                migrations.AddIndex(
                    model_name="order",
                    index=models.Index(fields=["user", "-ordered_at"], name="order_user_date_idx"),
                ),
            ]
        ),
    ]
