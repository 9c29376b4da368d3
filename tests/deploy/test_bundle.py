"""The Elastic Beanstalk source bundle: its contents, and that it boots as Beanstalk boots it."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import requests
import yaml

from deploy.__main__ import main
from deploy.bundle import DirtyTree, bundle_build
from devtools.sample_photos import photo_bytes
from tests.deploy.conftest import free_port
from tests.mariadb import MARIADB, fresh_database

# The cache production needs (check --deploy refuses any other): the machine's Redis, a database of its own.
REDIS_URL = os.environ.get("FRAMESELLER_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
PHOTO_BUCKETS = {"PHOTOS_ORIGINALS_BUCKET": "bundle-originals", "PHOTOS_PUBLIC_BUCKET": "bundle-media"}
LOGIN_ATTEMPTS_ALLOWED = 3
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def bundle_zip(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("bundle") / "frameseller.zip"
    # The checkout as it is, committed or not: what the developer running the tests has.
    main(["bundle", "--output", str(output), "--allow-dirty"])
    return output


@pytest.fixture(scope="module")
def app_dir(bundle_zip, tmp_path_factory) -> Path:
    """The bundle unpacked, as Beanstalk unpacks it into /var/app/staging."""
    target = tmp_path_factory.mktemp("staging")
    with zipfile.ZipFile(bundle_zip) as archive:
        archive.extractall(target)
    return target


def test_bundle_holds_the_backend_and_its_platform_configuration(bundle_zip, capsys):
    names = set(zipfile.ZipFile(bundle_zip).namelist())

    for needed in (
        "manage.py",
        "requirements.txt",
        "Procfile",
        "gunicorn.conf.py",
        "frameseller/settings.py",
        "frameseller/wsgi.py",
        "accounts/migrations/0001_initial.py",
        "catalog/data/photos/catalog.json",
        "catalog/management/commands/load_catalog.py",
        "orders/management/commands/reconcile_orders.py",
        ".platform/hooks/postdeploy/10_reconcile_timer.sh",
        ".platform/scripts/manage.sh",
        ".platform/scripts/release.sh",
        ".platform/scripts/reconcile_env.py",
        ".platform/scripts/reconcile_status.sh",
        ".platform/nginx/nginx.conf",
        ".platform/nginx/conf.d/proxy_timeouts.conf",
    ):
        assert needed in names, needed
    assert any(name.startswith(".ebextensions/") and name.endswith(".config") for name in names)


def test_bundle_leaves_out_tests_frontend_secrets_and_local_junk(bundle_zip):
    left_out = {"tests", "frontend", "node_modules", ".venv", "var", "staticfiles", "deploy", "devtools", ".git"}
    for name in zipfile.ZipFile(bundle_zip).namelist():
        assert name.split("/", 1)[0] not in left_out, name
        assert "__pycache__" not in name and not name.endswith(".pyc"), name
        assert not name.endswith((".sqlite3", ".pickle")), name
        assert Path(name).name not in {".env", "db.sqlite3"}, name


def test_bundle_ships_no_development_tools(bundle_zip):
    """Dev-only packages (the Stripe emulator's) are not installed on Beanstalk: nothing shipped imports them."""
    archive = zipfile.ZipFile(bundle_zip)
    for name in archive.namelist():
        if name.endswith(".py"):
            source = archive.read(name).decode()
            for dev_only in ("localstripe", "aiohttp", "moto", "pytest"):
                assert f"import {dev_only}" not in source and f"from {dev_only}" not in source, (name, dev_only)


def test_bundle_keeps_hooks_executable(bundle_zip):
    hooks = [
        info
        for info in zipfile.ZipFile(bundle_zip).infolist()
        if info.filename.startswith((".platform/hooks/", ".platform/confighooks/")) and not info.is_dir()
    ]

    assert len(hooks) >= 4
    for info in hooks:
        assert (info.external_attr >> 16) & 0o111, info.filename


def test_bundle_reports_its_size_file_count_and_label(tmp_path, capsys):
    made = main(["bundle", "--output", str(tmp_path / "b.zip"), "--allow-dirty"])

    out = capsys.readouterr().out
    assert f"{len(made.files)} files" in out
    assert "kB" in out
    assert f"Version label: {made.label}" in out
    assert made.size == (tmp_path / "b.zip").stat().st_size


def test_bundle_quiet_prints_the_label_alone(tmp_path, capsys):
    made = main(["bundle", "--output", str(tmp_path / "b.zip"), "--allow-dirty", "--quiet"])

    assert capsys.readouterr().out == f"{made.label}\n"


GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    """A small checkout with one commit: the shipped files, and some that never ship."""
    root = tmp_path / "checkout"
    for name, body in {
        "manage.py": "print('manage')\n",
        "requirements.txt": "Django\n",
        "Procfile": "web: gunicorn app\n",
        "orders/__init__.py": "",
        ".platform/hooks/postdeploy/10_hook.sh": "#!/bin/bash\necho hook\n",
        "README.md": "# readme\n",
        "tests/test_x.py": "",
        ".gitignore": "*.sqlite3\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(body)
    (root / ".platform/hooks/postdeploy/10_hook.sh").chmod(0o755)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    return root


def bundled(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_clean_checkout_is_bundled_from_its_commit_and_labelled_with_it(repo, tmp_path):
    commit = git(repo, "rev-parse", "HEAD").strip()
    (repo / "orders" / "db.sqlite3").write_text("ignored, never shipped")

    made = bundle_build(output=tmp_path / "b.zip", root=repo)

    files = bundled(made.path)
    assert set(files) == {
        "manage.py",
        "requirements.txt",
        "Procfile",
        "orders/__init__.py",
        ".platform/hooks/postdeploy/10_hook.sh",
        "REVISION",
    }
    assert made.label == f"frameseller-{commit[:12]}"
    assert files["REVISION"].decode() == f"label: {made.label}\ncommit: {commit}\nuncommitted changes: False\n"
    info = zipfile.ZipFile(made.path).getinfo(".platform/hooks/postdeploy/10_hook.sh")
    assert (info.external_attr >> 16) & 0o111


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "manage.py").write_text("print('changed')\n"),
        lambda root: (root / "orders" / "new.py").write_text(""),
        lambda root: (root / "Procfile").unlink(),
        lambda root: git(root, "rm", "-q", "--cached", "requirements.txt"),
    ],
    ids=["modified", "untracked", "deleted", "staged"],
)
def test_uncommitted_changes_to_what_ships_are_refused(repo, tmp_path, change, capsys):
    change(repo)

    with pytest.raises(DirtyTree, match="differ from the last commit"):
        bundle_build(output=tmp_path / "b.zip", root=repo)
    assert not (tmp_path / "b.zip").exists()


def test_changes_to_what_does_not_ship_do_not_count(repo, tmp_path):
    (repo / "README.md").write_text("# changed\n")
    (repo / "tests" / "test_y.py").write_text("")

    made = bundle_build(output=tmp_path / "b.zip", root=repo)

    assert "-dirty-" not in made.label


def test_allow_dirty_bundles_the_working_tree_and_says_so(repo, tmp_path):
    commit = git(repo, "rev-parse", "HEAD").strip()
    (repo / "manage.py").write_text("print('changed')\n")

    made = bundle_build(output=tmp_path / "b.zip", root=repo, allow_dirty=True)

    files = bundled(made.path)
    assert files["manage.py"] == b"print('changed')\n"
    assert re.fullmatch(rf"frameseller-{commit[:12]}-dirty-\d{{14}}", made.label)
    assert b"uncommitted changes: True" in files["REVISION"]


def test_the_command_refuses_a_dirty_tree_with_a_message(monkeypatch, repo, tmp_path):
    (repo / "manage.py").write_text("print('changed')\n")
    monkeypatch.setattr("deploy.bundle.ROOT", repo)

    with pytest.raises(SystemExit) as stopped:
        main(["bundle", "--output", str(tmp_path / "b.zip")])

    assert "manage.py" in str(stopped.value)
    assert "--allow-dirty" in str(stopped.value)


@pytest.fixture
def mariadb_database():
    with fresh_database("frameseller_bundle_test") as name:
        yield name


def eb_config(app_dir: Path) -> list[dict]:
    return [yaml.safe_load(path.read_text()) or {} for path in sorted((app_dir / ".ebextensions").glob("*.config"))]


@pytest.fixture
def production_services(s3_server, aws_env):
    """What production needs besides the database: photos on S3 (moto), a shared cache (Redis), mail, webhooks."""
    import boto3
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="eu-west-1")
    for bucket in PHOTO_BUCKETS.values():
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield {
        "REDIS_URL": REDIS_URL,
        "PHOTOS_STORAGE": "s3",
        **PHOTO_BUCKETS,
        "PHOTOS_S3_REGION": "eu-west-1",
        "PHOTOS_S3_ENDPOINT_URL": s3_server,
        "STRIPE_WEBHOOK_SECRET": "whsec_bundle_" + uuid.uuid4().hex,
        # Nothing is mailed here; a real environment names Amazon SES.
        "EMAIL_URL": "smtp://127.0.0.1:2525",
        "DEFAULT_FROM_EMAIL": "FrameSeller <receipts@shop.example.com>",
        "SHOP_URL": "https://shop.example.com/",
        **{name: os.environ[name] for name in os.environ if name.startswith("AWS_")},
    }
    for bucket in PHOTO_BUCKETS.values():
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=bucket)


def beanstalk_environment(
    app_dir: Path, *, database: str, port: int, services: dict[str, str] | None = None
) -> dict[str, str]:
    """The process environment Beanstalk would give: its properties, the RDS_* variables, the secrets."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("DJANGO_", "DATABASE_", "RDS_", "STRIPE_", "GUNICORN_", "REDIS_", "FRAMESELLER_", "PHOTOS_", "EMAIL_")
        )
    }
    for config in eb_config(app_dir):
        properties = (config.get("option_settings") or {}).get("aws:elasticbeanstalk:application:environment", {})
        env.update({name: str(value) for name, value in properties.items()})
    env.update(
        {
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "RDS_HOSTNAME": MARIADB["host"],
            "RDS_PORT": str(MARIADB["port"]),
            "RDS_DB_NAME": database,
            "RDS_USERNAME": MARIADB["user"],
            "RDS_PASSWORD": MARIADB["passwd"],
            # Set with `eb setenv` in a real environment.
            "DJANGO_SECRET_KEY": "bundle-test-" + uuid.uuid4().hex * 2,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STRIPE_SECRET_KEY": "sk_test_bundle",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_bundle",
            "FRAMESELLER_VAR_DIR": str(app_dir / "var"),
            "PORT": str(port),
            # Two workers, as on an instance: the throttle counters must be shared between them.
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "2",
            "THROTTLE_LOGIN_ACCOUNT": f"{LOGIN_ATTEMPTS_ALLOWED}/min",
            **(services or {}),
        }
    )
    return env


def query(database: str, sql: str, *params) -> list[tuple]:
    import MySQLdb

    connection = MySQLdb.connect(**MARIADB, db=database, connect_timeout=3)
    try:
        cursor = connection.cursor()
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        connection.close()


def run_command(app_dir: Path, env: dict[str, str], command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=app_dir, env=env, capture_output=True, text=True)


def wait_for(url: str, *, process: subprocess.Popen, seconds: float = 30) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the web process exited with status {process.returncode}")
        try:
            return requests.get(url, timeout=5)
        except (requests.ConnectionError, requests.Timeout):
            # Not listening yet, or a worker's first request is slow on a busy machine.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.mysql
def test_bundle_boots_as_beanstalk_would(app_dir, mariadb_database, production_services, s3_server):
    port = free_port()
    env = beanstalk_environment(app_dir, database=mariadb_database, port=port, services=production_services)

    # Container commands run in the unpacked bundle, leader-only ones first (we are the leader),
    # each group in name order.
    commands = {}
    for config in eb_config(app_dir):
        commands.update(config.get("container_commands") or {})
    names = sorted(commands, key=lambda name: (not commands[name].get("leader_only"), name))

    # The deployment checklist stops a deployment whose environment lacks its secret key, before
    # migrate has touched the schema.
    without_secret = {name: value for name, value in env.items() if name != "DJANGO_SECRET_KEY"}
    refused = run_command(app_dir, without_secret, commands[names[0]]["command"])
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stdout + refused.stderr
    assert not query(
        mariadb_database, "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", mariadb_database
    )

    for name in names:
        done = run_command(app_dir, env, commands[name]["command"])
        assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    assert (app_dir / "staticfiles" / "admin").is_dir()
    # A photo added on an instance goes to S3, where every instance finds it: the original kept
    # private, its derivatives (made by the worker process) public. (The starter photos are a
    # development catalog, fetched by `make starter-photos`: no bundle carries them.)
    (app_dir / "harbour.jpg").write_bytes(photo_bytes(1600, 1000))
    added = run_command(app_dir, env, "python manage.py add_photo harbour.jpg --title Harbour --price 40")
    assert added.returncode == 0, added.stdout + added.stderr
    derived = run_command(app_dir, env, "python manage.py run_worker --batch --no-reload")
    assert derived.returncode == 0, derived.stdout + derived.stderr
    media = {item["Key"] for item in s3_objects(s3_server, PHOTO_BUCKETS["PHOTOS_PUBLIC_BUCKET"])}
    assert media and {key.split("/")[0] for key in media} == {"thumbs", "previews"}
    assert s3_objects(s3_server, PHOTO_BUCKETS["PHOTOS_ORIGINALS_BUCKET"])

    (web,) = [
        line.split(":", 1)[1].strip()
        for line in (app_dir / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    ]
    server = subprocess.Popen(
        ["bash", "-c", f"exec {web}"],
        cwd=app_dir,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = wait_for(f"http://127.0.0.1:{port}/api/health/", process=server)
        # The load balancer terminates TLS and says so (DJANGO_HTTPS=1 redirects plain HTTP).
        products = requests.get(
            f"http://127.0.0.1:{port}/api/product/", headers={"X-Forwarded-Proto": "https"}, timeout=5
        )
        admin_css = requests.get(
            f"http://127.0.0.1:{port}/static/admin/css/base.css", headers={"X-Forwarded-Proto": "https"}, timeout=5
        )
        # Failed logins for one account, whichever worker serves them: one more than allowed is refused.
        logins = [
            requests.post(
                f"http://127.0.0.1:{port}/api/api-token-auth/",
                json={"username": "nobody@example.com", "password": "wrong"},
                headers={"X-Forwarded-Proto": "https"},
                timeout=10,
            ).status_code
            for _ in range(LOGIN_ATTEMPTS_ALLOWED + 1)
        ]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            log, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            log, _ = server.communicate()

    assert health.status_code == 200, log
    assert health.json() == {"status": "ok", "database": "ok"}
    assert products.status_code == 200, log
    assert len(products.json()) > 0
    assert admin_css.status_code == 200
    assert "GET /api/product/" in log  # the access log goes to stdout
    # The workers say how they are configured: Beanstalk's settings, on the RDS database.
    assert f"FrameSeller: env=production, database=mysql {mariadb_database} on 127.0.0.1:3306" in log
    assert logins == [400] * LOGIN_ATTEMPTS_ALLOWED + [429], log
    # The counter is in Redis, where every worker and instance sees it.
    import redis

    assert redis.Redis.from_url(REDIS_URL).keys("*login_account*")


def s3_objects(endpoint: str, bucket: str) -> list[dict]:
    import boto3

    return (
        boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1")
        .list_objects_v2(Bucket=bucket)
        .get("Contents", [])
    )
