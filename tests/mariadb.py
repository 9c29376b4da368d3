"""A database of a test's own on the local MariaDB, for the tests that start the shop in other processes."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "passwd": ""}


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """Create a database named `prefix_<random>`, yield its name, drop it (skip without MariaDB, unless on CI)."""
    try:
        import MySQLdb

        connection = MySQLdb.connect(**MARIADB, connect_timeout=3)
    except Exception as error:  # ImportError, OperationalError
        if os.environ.get("CI") == "true":
            pytest.fail(f"MariaDB on 127.0.0.1:3306 is needed on CI: {error}")
        pytest.skip(f"MariaDB on 127.0.0.1:3306 is unreachable: {error}")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    cursor = connection.cursor()
    cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield name
    finally:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        connection.close()
