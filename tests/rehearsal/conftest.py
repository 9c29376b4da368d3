"""Production on one machine, as docs/deploy.md builds it and Elastic Beanstalk runs it.

The bundle (`python -m deploy bundle`) unpacked twice, as two instances. Each is deployed as
Beanstalk deploys one: the container commands of .ebextensions (the leader-only release on the
first instance only, before the others), the predeploy hooks, nginx with the bundle's .platform
configuration in front of gunicorn started from the Procfile, the Procfile's worker, the postdeploy
hooks. A load balancer (nginx, as the ALB: TLS ends there, X-Forwarded-Proto: https, no body limit)
sends requests to both. Behind them: one MariaDB database, one Redis (db 15), S3 on moto in server
mode enforcing IAM (tests/rehearsal/aws.py) with the buckets and the instance policy the deploy tool
gives, an SMTP server (aiosmtpd), and the Stripe emulator, whose webhook endpoint is registered by
`python -m deploy stripe-webhook` against the load balancer, its secret read back from Secrets
Manager with the instance's credentials as the platform does.

What stands in for what: an IAM user's access key for the instance profile (moto gives no instance
credentials), the media bucket's URLs for CloudFront (the bucket policy is the deploy tool's
CloudFront grant, `read_statements`, with the principal every reader: moto cannot be CloudFront),
a path-rewritten copy of each hook with a `systemctl` that records what it is asked, and a
`get-config` answering the environment's properties and secret names.
"""

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import yaml
from django.conf import settings as django_settings

from devtools.emulator_process import SECRET_KEY, StripeEmulator, free_port
from tests.deploy.test_deploy_guide import PROPERTIES, SECRETS, documented_options
from tests.deploy.test_iam import allowed
from tests.deploy.test_proxy import EB_APPLICATION_CONF, EB_STATICFILES_CONF, PLATFORM_UPSTREAM, nginx_binary
from tests.mariadb import MARIADB, fresh_database

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ACCOUNT = "123456789012"  # moto's account
REGION = "eu-west-1"
ORIGINALS, MEDIA = "rehearsal-originals", "rehearsal-media"
SES_IDENTITY = "shop.example.com"
REDIS_DB = 15
LOGIN_ATTEMPTS_ALLOWED = 3
# Requests before moto starts to check identities: those that make the administrator.
AWS_SETUP_REQUESTS = 3


def wait_until(check, *, seconds: float, what: str, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + seconds
    while True:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process exited with status {process.returncode}")
        try:
            result = check()
            if result:
                return result
        except (requests.ConnectionError, requests.Timeout, OSError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.2)


def start(command: list[str], *, log: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True, **kwargs)


def stop(process: subprocess.Popen | None, *, seconds: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def query(database: str, sql: str, *params) -> list[tuple]:
    import MySQLdb

    connection = MySQLdb.connect(**MARIADB, db=database, connect_timeout=3)
    try:
        cursor = connection.cursor()
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        connection.close()


# --- AWS: moto enforcing IAM, the layout the guide and the deploy tool give -------------------------------


@dataclass
class Aws:
    url: str
    process: subprocess.Popen
    admin: dict = field(default_factory=dict)  # boto3 client arguments
    instance_credentials: dict = field(default_factory=dict)  # AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
    instance_policy: str = ""  # as `python -m deploy iam-policy instance` printed it

    def client(self, service: str, credentials: dict | None = None):
        import boto3

        return boto3.client(service, **(credentials or self.admin))

    def objects(self, bucket: str) -> list[str]:
        return [item["Key"] for item in self.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def aws_start(log_dir: Path) -> Aws:
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(AWS_SETUP_REQUESTS)}
    process = start(
        [sys.executable, "-m", "tests.rehearsal.aws", "-H", "127.0.0.1", "-p", str(port)],
        log=log_dir / "aws.log",
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(
        lambda: requests.get(f"{url}/moto-api/data.json", timeout=2).ok, seconds=30, what="moto", process=process
    )
    aws = Aws(url=url, process=process)
    # The account's administrator: the only requests moto lets through unchecked.
    iam = aws.client("iam", {**_client_args(url), "aws_access_key_id": "setup", "aws_secret_access_key": "setup"})
    iam.create_user(UserName="administrator")
    iam.put_user_policy(
        UserName="administrator",
        PolicyName="administrator",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    key = iam.create_access_key(UserName="administrator")["AccessKey"]
    aws.admin = {
        **_client_args(url),
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }
    return aws


def _client_args(url: str) -> dict:
    return {"endpoint_url": url, "region_name": REGION}


def aws_layout(aws: Aws) -> None:
    """The photos' buckets (step 4), the instance policy from the deploy tool (step 5), the "CDN"'s grant."""
    from deploy.cloudfront import read_statements
    from deploy.distribution import MEDIA_PREFIXES

    s3 = aws.client("s3")
    for bucket in (ORIGINALS, MEDIA):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    # CloudFront's read of the media bucket, as publish-frontend grants it, to every reader: the "CDN".
    statements = read_statements(
        bucket=MEDIA, distribution_arn=f"arn:aws:cloudfront::{ACCOUNT}:distribution/EREHEARSAL", prefixes=MEDIA_PREFIXES
    )
    for statement in statements:
        statement["Principal"] = "*"
        statement.pop("Condition")
    s3.put_bucket_policy(Bucket=MEDIA, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))

    policy = deploy_tool(
        "iam-policy",
        "instance",
        "--account-id",
        ACCOUNT,
        "--region",
        REGION,
        "--originals-bucket",
        ORIGINALS,
        "--media-bucket",
        MEDIA,
        "--ses-identity",
        SES_IDENTITY,
    )
    iam = aws.client("iam")
    iam.create_user(UserName="frameseller-ec2")
    iam.put_user_policy(UserName="frameseller-ec2", PolicyName="frameseller-app", PolicyDocument=policy)
    aws.instance_policy = policy
    key = iam.create_access_key(UserName="frameseller-ec2")["AccessKey"]
    aws.instance_credentials = {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "AWS_DEFAULT_REGION": REGION,
    }


def deploy_tool(*args: str, env: dict | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "deploy", *args], cwd=ROOT, env=env or os.environ, capture_output=True, text=True
    )
    assert done.returncode == 0, f"python -m deploy {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# --- Mail ---------------------------------------------------------------------------------------------------


class Inbox:
    """An SMTP server (aiosmtpd) on a free port; `messages` holds what came."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        inbox = self

        class Handler(Message):
            def handle_message(self, message):
                inbox.messages.append(message)

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per connection
        self.messages = []
        self.port = free_port()
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in (m["To"] or "")]

    def stop(self) -> None:
        self._controller.stop()


# --- The instances --------------------------------------------------------------------------------------------


@dataclass
class Instance:
    name: str
    root: Path  # the instance's "/": hooks write under it
    env: dict[str, str]
    web_port: int
    nginx_port: int
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def app(self) -> Path:
        return self.root / "var" / "app" / "current"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def log(self, name: str) -> Path:
        return self.root / "var" / "log" / f"{name}.log"

    def run(self, command: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", command], cwd=self.app, env=env or self.env, capture_output=True, text=True
        )

    def manage(self, *args: str) -> str:
        done = self.run(" ".join(["bash .platform/scripts/manage.sh", *map(_quote, args)]))
        assert done.returncode == 0, f"{self.name}: manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def procfile(self, name: str) -> str:
        (line,) = [
            line.split(":", 1)[1].strip()
            for line in (self.app / "Procfile").read_text().splitlines()
            if line.startswith(f"{name}:")
        ]
        return line

    def process_start(self, name: str) -> None:
        """Start a Procfile process as the platform's systemd unit does (web.service, worker.service)."""
        self.processes[name] = start(
            ["bash", "-c", f"exec {self.procfile(name)}"], log=self.log(name), cwd=self.app, env=self.env
        )

    def healthy(self) -> bool:
        answer = requests.get(f"{self.url}/api/health/", timeout=5)
        return answer.status_code == 200 and answer.json() == {"status": "ok", "database": "ok"}

    def wait_healthy(self, seconds: float = 60) -> None:
        wait_until(self.healthy, seconds=seconds, what=f"{self.name} healthy", process=self.processes.get("web"))

    def stop_all(self) -> None:
        for process in self.processes.values():
            stop(process)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def eb_configs(app: Path) -> list[dict]:
    return [yaml.safe_load(path.read_text()) or {} for path in sorted((app / ".ebextensions").glob("*.config"))]


def environment(app: Path, services: dict[str, str]) -> dict[str, str]:
    """The environment Beanstalk gives: .ebextensions' properties, the guide's options.json, this machine's parts."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("DJANGO_", "DATABASE_", "RDS_", "STRIPE_", "GUNICORN_", "REDIS_", "FRAMESELLER_", "PHOTOS_", "EMAIL_")
        )
        and not name.startswith("AWS_")
        and name not in ("THROTTLE_LOGIN_ACCOUNT", "SHOP_URL", "DEFAULT_FROM_EMAIL")
    }
    for config in eb_configs(app):
        env.update({k: str(v) for k, v in ((config.get("option_settings") or {}).get(PROPERTIES) or {}).items()})
    documented = {o["OptionName"]: o["Value"] for o in documented_options() if o["Namespace"] in (PROPERTIES, SECRETS)}
    env.update(documented)
    env.update(services)
    # Every documented value that names something of the guide's (placeholders, AWS) is replaced here.
    kept = set(documented) - set(services)
    assert kept <= {
        "CORS_ALLOWED_ORIGINS",
        "STRIPE_IDEMPOTENCY_PREFIX",
        "PHOTOS_STORAGE",
        "SHOP_URL",
        "DEFAULT_FROM_EMAIL",
    }, kept
    return env


def hook_localized(hook: Path, instance: Instance, tools: Path) -> str:
    """The hook's script with the instance's absolute paths moved under its root (we are not root here)."""
    text = hook.read_text()
    for old, new in {
        "/var/app/current": str(instance.app),
        "/etc/": f"{instance.root}/etc/",
        "/var/log/": f"{instance.root}/var/log/",
        "/opt/aws/": f"{instance.root}/opt/aws/",
        'reconcile_env.py"': f'reconcile_env.py" "{tools}/get-config"',
    }.items():
        text = text.replace(old, new)
    return text


def platform_tools(instance: Instance) -> Path:
    """`systemctl` recording what it is asked, and `get-config` answering the environment (the platform's tools)."""
    tools = instance.root / "opt" / "elasticbeanstalk" / "bin"
    tools.mkdir(parents=True)
    (tools / "systemctl").write_text(f'#!/bin/bash\necho "$*" >> {instance.root}/systemctl.calls\n')
    secret_names = {o["OptionName"]: "arn" for o in documented_options() if o["Namespace"] == SECRETS}
    properties = {name: value for name, value in instance.env.items() if name not in secret_names}
    answers = {
        "environment": properties,
        "optionsettings": {PROPERTIES: properties, SECRETS: secret_names},
    }
    (tools / "answers.json").write_text(json.dumps(answers))
    (tools / "get-config").write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"print(json.dumps(json.load(open({str(tools / 'answers.json')!r}))[sys.argv[1]]))\n"
    )
    for tool in ("systemctl", "get-config"):
        (tools / tool).chmod(0o755)
    return tools


def hooks_run(instance: Instance, stage: str, tools: Path) -> list[str]:
    ran = []
    for hook in sorted((instance.app / ".platform" / "hooks" / stage).glob("*")):
        assert os.access(hook, os.X_OK), f"{hook.name} is not executable: the platform would not run it"
        local = instance.root / "hooks" / stage / hook.name
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(hook_localized(hook, instance, tools))
        env = {**instance.env, "PATH": f"{tools}{os.pathsep}{instance.env['PATH']}"}
        done = subprocess.run(["bash", str(local)], cwd=instance.app, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{instance.name}: {stage} hook {hook.name} failed:\n{done.stdout}\n{done.stderr}"
        ran.append(hook.name)
    return ran


def nginx_start(instance: Instance, nginx: str) -> subprocess.Popen:
    """nginx with the bundle's .platform/nginx, as the platform installs it, with its generated files stood in for."""
    prefix = instance.root / "etc" / "nginx"
    shutil.copytree(instance.app / ".platform" / "nginx" / "conf.d", prefix / "conf.d")
    generated = prefix / "conf.d" / "elasticbeanstalk"
    generated.mkdir(exist_ok=True)
    for ours in generated.glob("*.conf"):
        ours.write_text(ours.read_text().replace(PLATFORM_UPSTREAM, f"http://127.0.0.1:{instance.web_port}"))
    (generated / "00_application.conf").write_text(EB_APPLICATION_CONF.replace("UPSTREAM_PORT", str(instance.web_port)))
    (generated / "01_static.conf").write_text(
        EB_STATICFILES_CONF.replace("/var/app/current/staticfiles", str(instance.app / "staticfiles"))
    )
    shutil.copy("/etc/nginx/mime.types", prefix / "mime.types")
    text = (instance.app / ".platform" / "nginx" / "nginx.conf").read_text()
    for old, new in {
        "listen        80 default_server;": f"listen        127.0.0.1:{instance.nginx_port} default_server;",
        "user                    nginx;": "",
        "/var/log/nginx/": f"{instance.root}/var/log/nginx-",
        "/var/run/nginx.pid": f"{prefix}/nginx.pid",
        "/etc/nginx/mime.types": f"{prefix}/mime.types",
    }.items():
        assert old in text, f"nginx.conf no longer has {old!r}: update the rehearsal"
        text = text.replace(old, new)
    (prefix / "nginx.conf").write_text(text)
    return start(
        [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr", "-g", "daemon off;"],
        log=instance.log("nginx"),
    )


def instance_deploy(instance: Instance, bundle: Path, *, leader: bool, nginx: str) -> None:
    """Deploy the bundle on the instance in Beanstalk's order ("Instance deployment workflow", Elastic Beanstalk)."""
    instance.app.mkdir(parents=True)
    (instance.root / "var" / "log").mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            archive.extract(info, instance.app)
            mode = info.external_attr >> 16
            if mode:
                (instance.app / info.filename).chmod(mode & 0o777)
    tools = platform_tools(instance)
    # Container commands: leader-only ones on the leader only, before all the others; then the rest in name order.
    commands = {}
    for config in eb_configs(instance.app):
        commands.update(config.get("container_commands") or {})
    for name in sorted(commands, key=lambda name: (not commands[name].get("leader_only"), name)):
        if commands[name].get("leader_only") and not leader:
            continue
        done = instance.run(commands[name]["command"])
        assert done.returncode == 0, f"{instance.name}: container command {name} failed:\n{done.stdout}\n{done.stderr}"
    hooks_run(instance, "predeploy", tools)
    instance.processes["nginx"] = nginx_start(instance, nginx)
    instance.process_start("web")
    instance.process_start("worker")
    hooks_run(instance, "postdeploy", tools)
    instance.wait_healthy()


# --- The load balancer ------------------------------------------------------------------------------------------

LB_CONF = """
worker_processes 1;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log {prefix}/access.log;
    upstream instances {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        # The Application Load Balancer: no body limit, 120 s idle timeout, TLS ends here.
        client_max_body_size 0;
        proxy_request_buffering off;
        location / {{
            proxy_pass http://instances;
            proxy_read_timeout 120s;
            proxy_send_timeout 120s;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-Port 443;
        }}
    }}
}}
"""


class LoadBalancer:
    """nginx with an upstream of the instances it has registered; register and deregister by reloading."""

    def __init__(self, prefix: Path, nginx: str):
        self.prefix, self.nginx = prefix, nginx
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, instances: list[Instance]) -> None:
        self.prefix.mkdir(parents=True)
        self._write(instances)
        self.process = start(
            [self.nginx, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), "-e", "stderr"]
            + ["-g", "daemon off;"],
            log=self.prefix / "nginx.log",
        )
        wait_until(lambda: requests.get(f"{self.url}/api/health/", timeout=5).ok, seconds=20, what="load balancer")

    def _write(self, instances: list[Instance]) -> None:
        servers = "\n".join(f"        server 127.0.0.1:{i.nginx_port};" for i in instances)
        (self.prefix / "nginx.conf").write_text(LB_CONF.format(prefix=self.prefix, port=self.port, servers=servers))

    def register(self, instances: list[Instance]) -> None:
        """Send new requests to these instances only; requests in flight finish where they are."""
        self._write(instances)
        done = subprocess.run(
            [self.nginx, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), "-e", "stderr", "-s", "reload"],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        time.sleep(1)  # the new workers take over

    def stop(self) -> None:
        stop(self.process)


# --- The whole ----------------------------------------------------------------------------------------------------


@dataclass
class Production:
    lb: LoadBalancer
    instances: list[Instance]
    aws: Aws
    emulator: StripeEmulator
    inbox: Inbox
    database: str
    webhook_secret: str
    data: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(f"{self.lb.url}{path}", timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(f"{self.lb.url}{path}", timeout=60, **kwargs)

    def query(self, sql: str, *params) -> list[tuple]:
        return query(self.database, sql, *params)


SETUP_DATA = """
import json
from decimal import Decimal
from accounts.models import User
from accounts.services import user_token_issue
from catalog.models import Product
products = Product.objects.bulk_create(
    [Product(title=f"Rehearsal {i}", description="A photo", price=Decimal("20.00"), currency="usd")
     for i in range(N_PRODUCTS)]
)
users = [User.objects.create_user(email=f"stream{i}@example.com", password="correct horse battery staple",
                                  first_name="Ada", last_name="Lovelace") for i in range(N_USERS)]
User.objects.create_superuser(email="admin@example.com", password=ADMIN_PASSWORD, first_name="Ann", last_name="Admin")
print(json.dumps({"products": [p.pk for p in Product.objects.filter(title__startswith="Rehearsal ").order_by("pk")],
                  "tokens": [user_token_issue(user=u) for u in users]}))
"""
ADMIN_PASSWORD = "a long admin passphrase for the rehearsal"
STREAM_PRODUCTS, STREAM_USERS = 400, 12


@pytest.fixture(scope="package")
def production(tmp_path_factory):
    nginx = nginx_binary()
    if nginx is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is needed on CI (make test and .ci/run install it from Debian)")
        pytest.skip("nginx is not installed (make test installs it)")
    import redis

    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).flushdb()
    except redis.ConnectionError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is needed on CI: {error}")
        pytest.skip(f"Redis at {redis_url} is unreachable: {error}")

    began = time.monotonic()
    base = tmp_path_factory.mktemp("rehearsal")
    started: list = []
    with fresh_database("rehearsal") as database:
        try:
            aws = aws_start(base)
            started.append(aws.process)
            aws_layout(aws)
            emulator = StripeEmulator(base / "stripe.pickle")
            emulator.start(from_scratch=True)
            inbox = Inbox()
            bundle = base / "frameseller.zip"
            deploy_tool("bundle", "--output", str(bundle), "--allow-dirty", "--quiet")
            unpacked = base / "bundle"
            zipfile.ZipFile(bundle).extractall(unpacked)

            instances = [
                Instance(name=f"i-{n}", root=base / f"i-{n}", env={}, web_port=free_port(), nginx_port=free_port())
                for n in (1, 2)
            ]
            # Its address is known before the instances exist: the webhook endpoint names it.
            lb = LoadBalancer(base / "lb", nginx)

            # Step 3: the webhook endpoint for the API's address, its secret in Secrets Manager.
            registered = deploy_tool(
                "stripe-webhook",
                "--api-url",
                lb.url,
                "--region",
                REGION,
                "--endpoint-url",
                aws.url,
                "--stripe-api-base",
                emulator.url,
                env={
                    **os.environ,
                    "STRIPE_SECRET_KEY": SECRET_KEY,
                    "AWS_ACCESS_KEY_ID": aws.admin["aws_access_key_id"],
                    "AWS_SECRET_ACCESS_KEY": aws.admin["aws_secret_access_key"],
                },
            )
            (secret_arn,) = re.findall(r"^STRIPE_WEBHOOK_SECRET: (\S+)$", registered, re.M)
            # The platform fetches the environment's secrets with the instance profile, whose policy must allow it
            # (moto checks other services' calls against "*" only: the policy is read here, as IAM would).
            assert allowed(json.loads(aws.instance_policy), "secretsmanager:GetSecretValue", secret_arn)
            webhook_secret = aws.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]

            services = {
                # Replacing the guide's placeholders with this machine's parts.
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "RDS_HOSTNAME": MARIADB["host"],
                "RDS_PORT": str(MARIADB["port"]),
                "RDS_DB_NAME": database,
                "RDS_USERNAME": MARIADB["user"],
                "RDS_PASSWORD": MARIADB["passwd"],
                "STRIPE_PUBLISHABLE_KEY": "pk_test_frameseller_tests",
                "STRIPE_SECRET_KEY": SECRET_KEY,
                "STRIPE_API_BASE": emulator.url,
                "STRIPE_WEBHOOK_SECRET": webhook_secret,
                "DJANGO_SECRET_KEY": "rehearsal-" + uuid.uuid4().hex * 2,
                "PHOTOS_ORIGINALS_BUCKET": ORIGINALS,
                "PHOTOS_PUBLIC_BUCKET": MEDIA,
                "PHOTOS_S3_REGION": REGION,
                "PHOTOS_S3_ENDPOINT_URL": aws.url,
                # The "CDN" is the media bucket's own address on moto (django-storages' URLs without a domain).
                "PHOTOS_CDN_DOMAIN": "",
                "REDIS_URL": redis_url,
                "EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}",
                **aws.instance_credentials,
                # This machine's: the instance's Python, and a short login limit to count.
                "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                "THROTTLE_LOGIN_ACCOUNT": f"{LOGIN_ATTEMPTS_ALLOWED}/min",
                # The starter photos, fetched by `make starter-photos` (no bundle carries them): the
                # leader's release loads them onto S3, a catalog to browse and buy from.
                "STARTER_PHOTOS_DIR": str(django_settings.STARTER_PHOTOS_DIR),
            }
            for instance in instances:
                instance.env = environment(unpacked, services) | {
                    "PORT": str(instance.web_port),
                    "FRAMESELLER_VAR_DIR": str(instance.root / "var" / "app" / "var"),
                }
            timings = {"services": time.monotonic() - began}
            # The first instance is the leader: its release (check, migrate, load_catalog) runs before the others.
            instance_deploy(instances[0], bundle, leader=True, nginx=nginx)
            started.extend(instances)
            timings["leader deployed"] = time.monotonic() - began
            instance_deploy(instances[1], bundle, leader=False, nginx=nginx)
            timings["both deployed"] = time.monotonic() - began

            lb.start(instances)
            started.append(lb)
            emulator_hooks = [e for e in _webhook_endpoints(emulator) if e["url"].startswith(lb.url)]
            assert len(emulator_hooks) == 1, emulator_hooks

            data = json.loads(
                instances[0]
                .manage(
                    "shell",
                    "-c",
                    SETUP_DATA.replace("N_PRODUCTS", str(STREAM_PRODUCTS))
                    .replace("N_USERS", str(STREAM_USERS))
                    .replace("ADMIN_PASSWORD", repr(ADMIN_PASSWORD)),
                )
                .strip()
                .splitlines()[-1]
            )
            yield Production(
                lb=lb,
                instances=instances,
                aws=aws,
                emulator=emulator,
                inbox=inbox,
                database=database,
                webhook_secret=webhook_secret,
                data=data,
                timings=timings,
            )
        finally:
            for part in reversed(started):
                if isinstance(part, Instance):
                    part.stop_all()
                elif isinstance(part, LoadBalancer):
                    part.stop()
                elif isinstance(part, subprocess.Popen):
                    stop(part)
            if "emulator" in locals():
                emulator.stop()
            if "inbox" in locals():
                inbox.stop()


def _webhook_endpoints(emulator: StripeEmulator) -> list[dict]:
    return requests.get(f"{emulator.url}/v1/webhook_endpoints", auth=(SECRET_KEY, ""), timeout=5).json()["data"]
