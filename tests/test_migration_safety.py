"""Every migration is safe while the previous version still runs, or was reviewed as a contract step.

A deployment migrates once (the leader, before the instances switch), then the instances change
one by one: for minutes the previous version runs on the new schema. So a migration may only
expand (add a table, a nullable column, a column with a database default, an index); what the
previous version still reads or writes is renamed, dropped or tightened a release later, once no
instance reads it (expand, then contract: docs/deploy.md, "Across instances").

This test reads every operation of the project's migrations and fails on one that breaks the
previous version, unless the migration is listed in REVIEWED with the reason it is safe.
"""

import pytest
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

PROJECT_APPS = {"accounts", "catalog", "orders", "frameseller"}

# (app, migration) -> why it is safe, or why it was accepted. Contract steps go here once the
# release that stopped using what they remove has been deployed everywhere.
# The three below were written before this check and are taken as applied everywhere already.
REVIEWED = {
    ("catalog", "0003_photos"): "existing before the rolling-deployment check: accepted as applied",
    ("orders", "0003_rename_status_and_ordered_at"): "existing before the rolling-deployment check: accepted",
    ("orders", "0004_payments_ledger"): "existing before the rolling-deployment check: accepted as applied",
}


def unsafe_operations(migration, state_before) -> list[str]:
    """Name the operations of `migration` that the previous version of the code cannot live with."""
    found = []
    state = state_before.clone()
    for top in migration.operations:
        found += _unsafe(top, migration.app_label, state)
        top.state_forwards(migration.app_label, state)
    return found


def _unsafe(top, app_label: str, state) -> list[str]:
    found = []
    for operation in _database_operations([top]):
        name = type(operation).__name__
        if isinstance(
            operation,
            migrations.RenameField
            | migrations.RemoveField
            | migrations.RenameModel
            | migrations.DeleteModel
            | migrations.AlterModelTable,
        ):
            found.append(f"{name} {getattr(operation, 'model_name', '') or operation.name}")
        elif isinstance(operation, migrations.AddField):
            field = operation.field
            # The previous version's INSERTs leave the column out: it needs a database default.
            if not field.null and field.db_default is models.NOT_PROVIDED and not field.many_to_many:
                found.append(f"AddField {operation.model_name}.{operation.name} NOT NULL without db_default")
        elif isinstance(operation, migrations.AlterField):
            before = state.models[app_label, operation.model_name_lower].fields[operation.name]
            reason = _tightened(before, operation.field)
            if reason:
                found.append(f"AlterField {operation.model_name}.{operation.name}: {reason}")
    return found


def _database_operations(operations):
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            yield from _database_operations(operation.database_operations)
        else:
            yield operation


def _tightened(before, after) -> str:
    if before.null and not after.null and after.db_default is models.NOT_PROVIDED:
        return "made NOT NULL without db_default"
    if type(before) is not type(after):
        return f"{type(before).__name__} -> {type(after).__name__}"
    if getattr(after, "max_length", None) and (getattr(before, "max_length", None) or 0) > after.max_length:
        return "max_length shortened"
    return ""


def project_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key in sorted(loader.disk_migrations):
        if key[0] in PROJECT_APPS:
            yield loader, key


def test_every_migration_is_safe_mid_rollout_or_reviewed():
    unsafe = {}
    for loader, key in project_migrations():
        state_before = loader.project_state(key, at_end=False)
        found = unsafe_operations(loader.disk_migrations[key], state_before)
        if found and key not in REVIEWED:
            unsafe[key] = found

    assert unsafe == {}, (
        "these migrations break the version still running during a rolling deployment: split them "
        "(expand now, contract a release later) or list them in REVIEWED with the reason they are safe"
    )


def test_every_reviewed_migration_exists():
    keys = {key for _, key in project_migrations()}

    assert set(REVIEWED) <= keys


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (migrations.RenameField("order", "status", "state"), "RenameField order"),
        (migrations.RemoveField("order", "status"), "RemoveField order"),
        (migrations.DeleteModel("Order"), "DeleteModel Order"),
        (
            migrations.AddField("order", "note", models.CharField(max_length=10, default="")),
            "AddField order.note NOT NULL without db_default",
        ),
    ],
)
def test_the_unsafe_kinds_are_caught(operation, expected):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migration = migrations.Migration("9999_test", "orders")
    migration.operations = [operation]

    found = unsafe_operations(migration, loader.project_state(("orders", "0008_order_awaiting_authentication")))

    assert found and found[0].startswith(expected)


def test_expanding_is_safe():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migration = migrations.Migration("9999_test", "orders")
    migration.operations = [
        migrations.AddField("order", "note", models.CharField(max_length=10, null=True)),
        migrations.AddField("order", "flag", models.BooleanField(db_default=False)),
    ]

    assert unsafe_operations(migration, loader.project_state(("orders", "0008_order_awaiting_authentication"))) == []
