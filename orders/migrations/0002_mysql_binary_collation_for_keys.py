"""Compare idempotency keys and Stripe tokens exactly (case included) on MySQL/MariaDB.

Their default collation there ignores case, so "abc" and "ABC" would collide in
the unique constraints; SQLite and PostgreSQL already compare bytes.
"""

from django.db import migrations

COLUMNS = ("idempotency_key", "stripe_token")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "mysql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"ALTER TABLE orders_order MODIFY {column} varchar(255) "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "mysql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE orders_order MODIFY {column} varchar(255) CHARACTER SET utf8mb4 NULL")


class Migration(migrations.Migration):
    atomic = False  # MySQL cannot run DDL inside a transaction
    dependencies = [("orders", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
