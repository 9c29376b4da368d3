"""The settings: one explicit mode (DJANGO_ENV), secrets required outside a local run, the mode logged.

Most tests load the settings in a new Python with a controlled environment (PATH and the
variables given, nothing inherited), as a server or a management command would start.
"""

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import ERROR, run_checks

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "p" * 20 + "-Zx9!kq2#LmT8$vR4&wY6*nB1@cD3^fG5"
STRIPE_KEYS = {"STRIPE_SECRET_KEY": "sk_live_example", "STRIPE_PUBLISHABLE_KEY": "pk_live_example"}
# Loading the settings connects to no database, so this one needs no server.
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DATABASE_URL": "mysql://shop:hunter2-db-password@db.example.com:3306/shop",
}
EMULATOR = "http://127.0.0.1:8420"
SETUP = "import django; django.setup()"


def start(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess:
    """Run Python with `argv` in the project, its environment only PATH, a var/ folder of its own and `env`."""
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "frameseller.settings",
        "FRAMESELLER_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def settings_of(tmp_path: Path, *names: str, **env: str) -> dict:
    """Return the named settings as a process started with `env` sees them."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name, None) for name in {names!r}}}))"
    )
    result = start(tmp_path, "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


# --- The mode and the secret key --------------------------------------------------------------


@pytest.mark.parametrize("mode", [{}, {"DJANGO_ENV": "production"}], ids=["DJANGO_ENV unset", "production"])
def test_outside_a_local_run_the_app_refuses_to_start_without_a_secret_key(tmp_path, mode):
    result = start(tmp_path, "-c", SETUP, **mode, **STRIPE_KEYS)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set DJANGO_SECRET_KEY" in result.stderr
    assert "or DJANGO_ENV=local for a development run" in result.stderr
    assert not (tmp_path / "var" / "dev-secret-key").exists()


def test_django_env_takes_local_or_production_only(tmp_path):
    result = start(tmp_path, "-c", SETUP, DJANGO_ENV="prod", DJANGO_SECRET_KEY=STRONG_KEY)

    assert result.returncode != 0
    assert "DJANGO_ENV must be local or production, not 'prod'" in result.stderr


def test_a_local_run_makes_a_development_key_once_per_checkout_and_keeps_it(tmp_path):
    first = settings_of(tmp_path, "SECRET_KEY", DJANGO_ENV="local")["SECRET_KEY"]
    again = settings_of(tmp_path, "SECRET_KEY", DJANGO_ENV="local")["SECRET_KEY"]
    other_checkout = settings_of(tmp_path / "other", "SECRET_KEY", DJANGO_ENV="local")["SECRET_KEY"]

    key_file = tmp_path / "var" / "dev-secret-key"
    assert key_file.read_text().strip() == first == again
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert other_checkout != first
    assert len(first) >= 50


def test_the_development_key_stays_out_of_git():
    result = subprocess.run(["git", "check-ignore", "-q", "var/dev-secret-key"], cwd=ROOT, capture_output=True)
    if result.returncode == 128:
        pytest.skip("not a git checkout")

    assert result.returncode == 0, "var/ must be ignored by git"


def test_a_local_run_with_a_secret_key_uses_it(tmp_path):
    settings = settings_of(tmp_path, "SECRET_KEY", DJANGO_ENV="local", DJANGO_SECRET_KEY="$" + STRONG_KEY)

    # Taken as given, even with a leading "$" (which django-environ would read as another variable's name).
    assert settings["SECRET_KEY"] == "$" + STRONG_KEY
    assert not (tmp_path / "var" / "dev-secret-key").exists()


# --- The database -------------------------------------------------------------------------------


def test_rds_variables_give_a_mysql_database_without_making_the_run_production(tmp_path):
    password = "$ecret p@ss:w/rd#1?%"

    settings = settings_of(
        tmp_path,
        "DATABASES",
        DJANGO_ENV="local",
        RDS_HOSTNAME="db.example.com",
        RDS_PORT="3307",
        RDS_DB_NAME="shop",
        RDS_USERNAME="admin",
        RDS_PASSWORD=password,
    )

    db = settings["DATABASES"]["default"]
    assert (db["ENGINE"], db["HOST"], str(db["PORT"]), db["NAME"]) == (
        "django.db.backends.mysql",
        "db.example.com",
        "3307",
        "shop",
    )
    assert (db["USER"], db["PASSWORD"]) == ("admin", password)
    assert db["OPTIONS"] == {
        "charset": "utf8mb4",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
        "isolation_level": "read committed",
    }
    assert (db["TEST"]["CHARSET"], db["TEST"]["COLLATION"]) == ("utf8mb4", "utf8mb4_unicode_ci")
    assert (db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]) == (600, True)


def test_database_url_comes_before_the_rds_variables(tmp_path):
    settings = settings_of(
        tmp_path, "DATABASES", **PRODUCTION, **STRIPE_KEYS, RDS_HOSTNAME="rds.example.com", RDS_DB_NAME="ebdb"
    )

    db = settings["DATABASES"]["default"]
    assert (db["HOST"], db["NAME"], db["USER"]) == ("db.example.com", "shop", "shop")


def test_a_local_run_defaults_to_a_sqlite_file_in_var(tmp_path):
    db = settings_of(tmp_path, "DATABASES", DJANGO_ENV="local")["DATABASES"]["default"]

    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "var" / "db.sqlite3")
    assert db["OPTIONS"] == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    assert re.fullmatch(re.escape(str(tmp_path / "var" / "test_db_")) + r"\d+\.sqlite3", db["TEST"]["NAME"])


def test_production_refuses_to_start_without_a_database(tmp_path):
    env = {name: value for name, value in PRODUCTION.items() if name != "DATABASE_URL"}

    result = start(tmp_path, "-c", SETUP, **env, **STRIPE_KEYS)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set DATABASE_URL" in result.stderr


# --- Stripe ---------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_stripe_keys(tmp_path):
    result = start(tmp_path, "-c", SETUP, **PRODUCTION, STRIPE_PUBLISHABLE_KEY="pk_live_example")

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY" in result.stderr


@pytest.mark.parametrize(
    ("env", "backend", "api_base"),
    [
        ({"DJANGO_ENV": "local"}, "emulator", EMULATOR),
        # A key in the environment alone switches nothing.
        ({"DJANGO_ENV": "local", **STRIPE_KEYS}, "emulator", EMULATOR),
        ({"DJANGO_ENV": "local", "STRIPE_BACKEND": "stripe", **STRIPE_KEYS}, "stripe", ""),
        ({**PRODUCTION, **STRIPE_KEYS}, "stripe", ""),
        (
            {**PRODUCTION, "STRIPE_BACKEND": "emulator", "STRIPE_EMULATOR_PORT": "9999"},
            "emulator",
            "http://127.0.0.1:9999",
        ),
    ],
    ids=["local", "local with keys", "local, real Stripe", "production", "production, emulator"],
)
def test_stripe_backend_comes_from_stripe_backend_else_django_env(tmp_path, env, backend, api_base):
    settings = settings_of(tmp_path, "STRIPE_BACKEND", "STRIPE_API_BASE", "STRIPE_JS_URL", **env)

    assert (settings["STRIPE_BACKEND"], settings["STRIPE_API_BASE"]) == (backend, api_base)
    expected_js = f"{api_base}/js.stripe.com/v3/wrapped.js" if backend == "emulator" else "https://js.stripe.com/v3/"
    assert settings["STRIPE_JS_URL"] == expected_js


# --- The start-up line --------------------------------------------------------------------------


def mode_lines(output: str) -> list[str]:
    """Return the start-up lines that say the mode."""
    return [line for line in output.splitlines() if "FrameSeller: env=" in line]


def test_a_serving_process_logs_its_mode_in_one_line(tmp_path):
    local = start(tmp_path, "-c", "import frameseller.wsgi", DJANGO_ENV="local")
    production = start(
        tmp_path, "-c", "import frameseller.wsgi", **PRODUCTION, **STRIPE_KEYS, DJANGO_HTTPS="1", DJANGO_CACHE="db"
    )

    assert local.returncode == 0, local.stderr
    (line,) = mode_lines(local.stderr)
    assert line.endswith(
        f"FrameSeller: env=local, database=sqlite3 {tmp_path / 'var' / 'db.sqlite3'}, cache=locmem, "
        f"stripe=emulator at {EMULATOR}, debug=off, https=off"
    )
    assert production.returncode == 0, production.stderr
    (line,) = mode_lines(production.stderr)
    assert line.endswith(
        "FrameSeller: env=production, database=mysql shop on db.example.com:3306, cache=db, "
        "stripe=Stripe (live mode), debug=off, https=on"
    )
    assert "hunter2" not in production.stdout + production.stderr


def test_management_commands_do_not_log_the_mode(tmp_path):
    result = start(tmp_path, "manage.py", "check", DJANGO_ENV="local")

    assert result.returncode == 0, result.stderr
    assert mode_lines(result.stdout + result.stderr) == []


# --- check --deploy on the signing keys --------------------------------------------------------


# The signing keys' checks; the production services' ones (a local run has none) are in test_production_checks.py.
KEY_CHECKS = {"frameseller.E001", "frameseller.E002"}


def frameseller_errors() -> list[str]:
    return [
        message.id
        for message in run_checks(include_deployment_checks=True)
        if message.level >= ERROR and message.id in KEY_CHECKS
    ]


def test_check_deploy_fails_on_a_local_runs_development_key(tmp_path):
    result = start(tmp_path, "manage.py", "check", "--deploy", DJANGO_ENV="local")

    assert result.returncode != 0
    assert "(frameseller.E001) SECRET_KEY must not be used in production: it is this checkout's development key" in (
        result.stderr
    )


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-" + "x9Kq2LmT8vR4wY6nB1cD3fG5hJ7" * 2,
        "Zx9!kq2#LmT8$vR4&wY6*nB1@cD3^fG5hJ7(pL0)",
        "abcd" * 20,
    ],
    ids=["django-insecure", "shorter than 50", "fewer than 5 different characters"],
)
def test_check_deploy_fails_on_a_weak_secret_key(settings, key):
    settings.SECRET_KEY = key
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": key}

    assert frameseller_errors() == ["frameseller.E001"]


def test_check_deploy_fails_on_the_development_key_file_whatever_it_holds(settings, tmp_path):
    (tmp_path / "dev-secret-key").write_text(STRONG_KEY + "\n")
    settings.VAR_DIR = tmp_path
    settings.SECRET_KEY = STRONG_KEY
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": STRONG_KEY}

    assert frameseller_errors() == ["frameseller.E001"]


def test_check_deploy_fails_on_a_weak_jwt_signing_key(settings):
    settings.SECRET_KEY = STRONG_KEY
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": "too-short"}

    assert frameseller_errors() == ["frameseller.E002"]


def test_check_deploy_accepts_a_long_random_key(settings):
    settings.SECRET_KEY = STRONG_KEY
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": STRONG_KEY}

    assert frameseller_errors() == []


# --- .env.example ---------------------------------------------------------------------------------

READS = re.compile(
    r"""(?:env\.\w+|env_choice|env_secret|environ\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']|"([A-Z][A-Z0-9_]+)" in env\b"""
)


# Not the project's code, or not read in production.
# devtools/ (the emulator launcher, the benchmark) is not the shop: its variables are in its docstrings.
NOT_SOURCES = {".git", ".venv", "build", "devtools", "frontend", "staticfiles", "tests", "var"}


def test_env_example_lists_every_variable_the_code_reads():
    sources = [
        path
        for top in ROOT.iterdir()
        if top.name not in NOT_SOURCES
        for path in ([top] if top.is_file() else top.rglob("*.py"))
        if path.suffix == ".py"
    ]
    read = {name for path in sources for match in READS.findall(path.read_text()) for name in match if name}
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    assert {"DJANGO_ENV", "STRIPE_BACKEND", "DJANGO_SECRET_KEY", "RDS_HOSTNAME", "GUNICORN_TIMEOUT"} <= read
    assert read - listed == set()


# --- TLS to the database (RDS) -------------------------------------------------------------------


def test_a_ca_bundle_makes_the_database_connection_verified_tls(tmp_path):
    settings = settings_of(
        tmp_path, "DATABASES", **PRODUCTION, **STRIPE_KEYS, RDS_CA_BUNDLE="/etc/rds/global-bundle.pem"
    )

    options = settings["DATABASES"]["default"]["OPTIONS"]
    assert options["ssl"] == {"ca": "/etc/rds/global-bundle.pem"}
    assert options["ssl_mode"] == "VERIFY_IDENTITY"


def test_without_a_ca_bundle_the_connection_options_have_no_tls(tmp_path):
    options = settings_of(tmp_path, "DATABASES", **PRODUCTION, **STRIPE_KEYS)["DATABASES"]["default"]["OPTIONS"]

    assert "ssl" not in options and "ssl_mode" not in options


@pytest.mark.mysql
def test_with_a_ca_bundle_a_server_without_tls_is_refused_not_used_in_plain():
    """The local MariaDB speaks no TLS: the connection must fail rather than fall back to plain text."""
    import certifi
    import MySQLdb

    from frameseller.databases import database_config
    from tests.mariadb import MARIADB

    try:
        MySQLdb.connect(**MARIADB, connect_timeout=3).close()
    except MySQLdb.OperationalError as error:
        pytest.skip(f"MariaDB on 127.0.0.1:3306 is unreachable: {error}")
    config = database_config(
        "mysql://root@127.0.0.1:3306/mysql", conn_max_age=0, var_dir=ROOT / "var", mysql_ca=certifi.where()
    )
    options = {k: v for k, v in config["OPTIONS"].items() if k in ("ssl", "ssl_mode")}

    with pytest.raises(MySQLdb.OperationalError):
        MySQLdb.connect(**MARIADB, connect_timeout=3, **options).close()
