"""The database: Django's settings for one database URL, with the options each engine needs."""

import hashlib
import os
from pathlib import Path
from urllib.parse import quote

import environ


def mysql_url(*, host: str, port: int, name: str, user: str, password: str) -> str:
    """Return the URL of a MySQL database given in parts (Elastic Beanstalk's RDS_* variables)."""
    return f"mysql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/{name}"


def database_config(url: str, *, conn_max_age: int, var_dir: Path, mysql_ca: str = "") -> dict:
    """Return the DATABASES entry for `url`; SQLite's test databases go in `var_dir`.

    With `mysql_ca` (a CA bundle's path: RDS's), a MySQL connection is TLS, the server's certificate
    checked against it and its name against the host, or no connection at all.
    """
    config = environ.Env.db_url_config(url)
    config.update(CONN_MAX_AGE=conn_max_age, CONN_HEALTH_CHECKS=True)
    if config["ENGINE"] == "django.db.backends.mysql":
        config.setdefault("OPTIONS", {}).update(
            {
                "charset": "utf8mb4",
                # Strict mode turns silent truncation into errors.
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
                "isolation_level": "read committed",
            }
        )
        if mysql_ca:
            config["OPTIONS"].update({"ssl": {"ca": mysql_ca}, "ssl_mode": "VERIFY_IDENTITY"})
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        var_dir.mkdir(parents=True, exist_ok=True)
        config.setdefault("OPTIONS", {}).update(
            {
                # Take the write lock when a transaction starts, wait for it
                # instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
        # A file, not shared memory, so that concurrent test threads and the
        # live server see the same data and can wait on its locks; one per
        # test run, so that two runs in one checkout don't collide.
        config["TEST"] = {"NAME": str(var_dir / f"test_db_{os.getpid()}.sqlite3")}
    return config


def installation_id(config: dict) -> str:
    """Return a stable name for the installation that uses this database (engine, host, port, name)."""
    identity = "|".join(str(config.get(part, "")) for part in ("ENGINE", "HOST", "PORT", "NAME"))
    return "fs-" + hashlib.sha256(identity.encode()).hexdigest()[:12]
