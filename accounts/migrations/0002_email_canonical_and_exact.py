"""Emails match exactly: in one canonical form, compared byte for byte on MySQL/MariaDB too.

The default collation there ignores accents, so `víctim@…` found `victim@…`'s account (and had a
login throttle counter of its own). SQLite and PostgreSQL already compare bytes. Stored emails are
then brought to the canonical form of accounts.models.email_normalize (NFKC added to trim and lower
case); an email whose canonical form another account already has is left as it is, and reported.
"""

import unicodedata

from django.db import migrations


def _canonical(email: str) -> str:
    # accounts.models.email_normalize as of this migration.
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def binary_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "mysql":
        return
    schema_editor.execute(
        "ALTER TABLE accounts_user MODIFY email varchar(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL"
    )


def default_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "mysql":
        return
    schema_editor.execute("ALTER TABLE accounts_user MODIFY email varchar(254) CHARACTER SET utf8mb4 NOT NULL")


def canonical_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    users = User.objects.using(schema_editor.connection.alias)
    for pk, email in users.values_list("pk", "email").iterator():
        canonical = _canonical(email)
        if canonical == email:
            continue
        if users.filter(email=canonical).exists():
            print(f"\n  accounts.User {pk}: {canonical!r} belongs to another account; email left as it was")
            continue
        users.filter(pk=pk).update(email=canonical)


class Migration(migrations.Migration):
    atomic = False  # MySQL cannot run DDL inside a transaction
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(binary_collation, default_collation),
        migrations.RunPython(canonical_emails, migrations.RunPython.noop),
    ]
