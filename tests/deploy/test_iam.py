"""The IAM policies allow what publish-frontend does, and nothing that could make a bucket public.

publish-frontend runs against moto while every AWS call it makes is recorded (an observer on
botocore's events; the calls still reach moto). Each call is then checked against the policy the
identity would hold: the bootstrap policy for the first publish, the publish policy for the next.
"""

import json
import uuid
from fnmatch import fnmatchcase

import boto3
import pytest
from botocore.config import Config

from deploy import iam
from deploy.__main__ import main
from tests.deploy.test_cloudfront import CERTIFICATE
from tests.deploy.test_publish_frontend import INDEX

ACCOUNT = "123456789012"  # moto's
S3_ACTIONS = {
    "HeadBucket": "s3:ListBucket",
    "ListObjectsV2": "s3:ListBucket",
    "CreateBucket": "s3:CreateBucket",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "GetBucketPolicy": "s3:GetBucketPolicy",
    "PutBucketPolicy": "s3:PutBucketPolicy",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "DeleteObjects": "s3:DeleteObject",
}
CLOUDFRONT_UNSCOPED = {"ListDistributions", "ListOriginAccessControls", "CreateOriginAccessControl"}


def required(service: str, operation: str, params: dict) -> list[tuple[str, str]]:
    """The (IAM action, resource ARN) pairs one API call needs."""
    if service == "s3":
        assert operation in S3_ACTIONS, f"publish-frontend now calls s3 {operation}: map it here"
        action, bucket = S3_ACTIONS[operation], params["Bucket"]
        if operation == "DeleteObjects":
            return [(action, f"arn:aws:s3:::{bucket}/{item['Key']}") for item in params["Delete"]["Objects"]]
        if "Key" in params:
            return [(action, f"arn:aws:s3:::{bucket}/{params['Key']}")]
        return [(action, f"arn:aws:s3:::{bucket}")]
    assert service == "cloudfront", service
    action = f"cloudfront:{operation}"
    if operation in CLOUDFRONT_UNSCOPED:
        return [(action, "*")]
    if operation == "CreateDistribution":
        return [(action, f"arn:aws:cloudfront::{ACCOUNT}:distribution/NEW")]
    distribution_id = params.get("Id") or params["DistributionId"]
    assert operation in {"GetDistributionConfig", "UpdateDistribution", "CreateInvalidation"}, operation
    return [(action, f"arn:aws:cloudfront::{ACCOUNT}:distribution/{distribution_id}")]


def allowed(policy: dict, action: str, resource: str) -> bool:
    """Whether an Allow statement grants `action` on `resource` (the conditions these policies use only)."""
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        if not any(fnmatchcase(action.lower(), pattern.lower()) for pattern in statement["Action"]):
            continue
        if not any(fnmatchcase(resource, pattern) for pattern in statement["Resource"]):
            continue
        condition = statement.get("Condition")
        if condition is not None:
            assert condition.keys() == {"StringEquals"} and condition["StringEquals"].keys() == {"aws:ResourceAccount"}
            # An S3 ARN names no account; the bucket is in moto's. A "*" has no resource account.
            if resource == "*" or condition["StringEquals"]["aws:ResourceAccount"] != ACCOUNT:
                continue
        return True
    return False


@pytest.fixture
def calls(monkeypatch):
    """Record the AWS calls deploy/ makes (through the sessions it opens)."""
    recorded = []

    class RecordingSession(boto3.session.Session):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.events.register("provide-client-params", self._record)

        @staticmethod
        def _record(params, model, **_):
            recorded.append((model.service_model.service_name, model.name, dict(params)))

    monkeypatch.setattr(boto3.session, "Session", RecordingSession)
    return recorded


@pytest.fixture
def buckets(s3_server, aws_env):
    site, media = f"frameseller-site-{uuid.uuid4().hex[:12]}", f"frameseller-media-{uuid.uuid4().hex[:12]}"
    path_style = Config(s3={"addressing_style": "path"})
    client = boto3.client("s3", endpoint_url=s3_server, region_name="eu-west-1", config=path_style)
    client.create_bucket(Bucket=media, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return site, media


@pytest.fixture
def dist(tmp_path):
    root = tmp_path / "dist"
    root.mkdir()
    (root / "index.html").write_bytes(INDEX)
    (root / "app.3f9a1c2b.js").write_text("console.log(1);")
    return root


@pytest.fixture
def publish(s3_server, aws_env, dist, buckets):
    site, media = buckets

    def run(*extra):
        return main(
            ["publish-frontend", "--bucket", site, "--media-bucket", media, "--region", "eu-west-1"]
            + ["--api-url", "https://api.example.com", "--stripe-publishable-key", "pk_live_abc"]
            + ["--alias", "shop.example.com", "--certificate-arn", CERTIFICATE]
            + ["--endpoint-url", s3_server, "--dist", str(dist), "--skip-build", *extra]
        )

    return run


def refused(policy: dict, calls: list) -> list[tuple[str, str]]:
    needed = [pair for service, operation, params in calls for pair in required(service, operation, params)]
    assert needed
    return [(action, resource) for action, resource in needed if not allowed(policy, action, resource)]


def test_the_first_publish_needs_nothing_beyond_the_bootstrap_policy(publish, calls, buckets):
    site, media = buckets

    publish()

    policy = iam.site_bootstrap_policy(account_id=ACCOUNT, bucket=site, media_bucket=media)
    assert refused(policy, calls) == []
    assert {operation for _, operation, _ in calls} >= {"CreateBucket", "CreateDistribution", "PutBucketPolicy"}


def test_later_publishes_need_nothing_beyond_the_publish_policy(publish, calls, buckets, dist):
    site, media = buckets
    first = publish()
    calls.clear()
    (dist / "app.3f9a1c2b.js").rename(dist / "app.77e0d1aa.js")
    (dist / "index.html").write_bytes(INDEX + b"<!-- v2 -->")

    publish()

    policy = iam.site_publish_policy(
        account_id=ACCOUNT, bucket=site, distribution_id=first.distribution_id, media_bucket=media
    )
    assert refused(policy, calls) == []
    assert {operation for _, operation, _ in calls} >= {"PutObject", "DeleteObjects", "CreateInvalidation"}


@pytest.mark.parametrize(
    "action",
    [
        "s3:CreateBucket",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketWebsite",
        "s3:PutBucketAcl",
        "s3:PutObjectAcl",
        "cloudfront:UpdateDistribution",
        "cloudfront:CreateDistribution",
        "cloudfront:DeleteDistribution",
    ],
)
def test_the_publish_policy_cannot_open_a_bucket_or_reconfigure_the_distribution(action):
    policy = iam.site_publish_policy(
        account_id=ACCOUNT, bucket="shop-site", distribution_id="E2EXAMPLE", media_bucket="shop-media"
    )

    for resource in (
        "arn:aws:s3:::shop-site",
        "arn:aws:s3:::shop-site/index.html",
        "arn:aws:s3:::shop-media",
        f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2EXAMPLE",
        "*",
    ):
        assert not allowed(policy, action, resource), (action, resource)


@pytest.mark.parametrize("kind", ["bootstrap", "publish"])
def test_grants_name_exact_resources_and_s3_ones_this_account_only(kind):
    if kind == "publish":
        policy = iam.site_publish_policy(account_id=ACCOUNT, bucket="shop-site", distribution_id="E2EXAMPLE")
    else:
        policy = iam.site_bootstrap_policy(account_id=ACCOUNT, bucket="shop-site")

    for statement in policy["Statement"]:
        for resource in statement["Resource"]:
            if resource.startswith("arn:aws:s3:::"):
                bucket = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
                assert bucket == "shop-site", resource  # no prefix wildcard: exact buckets only
                assert statement["Condition"] == {"StringEquals": {"aws:ResourceAccount": ACCOUNT}}
            elif resource.startswith("arn:aws:cloudfront::"):
                assert f"::{ACCOUNT}:distribution/" in resource
            else:
                # Only actions that take no resource.
                assert resource == "*"
                assert set(statement["Action"]) <= {
                    "cloudfront:ListDistributions",
                    "cloudfront:ListOriginAccessControls",
                    "cloudfront:CreateOriginAccessControl",
                }
    # Nobody but an administrator creates or opens anything.
    writes = {"s3:CreateBucket", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock", "cloudfront:CreateDistribution"}
    granted = {action for statement in policy["Statement"] for action in statement["Action"]}
    assert bool(writes & granted) is (kind == "bootstrap")


def test_iam_policy_prints_the_json_to_attach(capsys):
    printed = main(
        ["iam-policy", "publish", "--account-id", ACCOUNT, "--bucket", "shop-site", "--distribution-id", "E2EXAMPLE"]
    )

    assert json.loads(capsys.readouterr().out) == printed
    assert printed == iam.site_publish_policy(account_id=ACCOUNT, bucket="shop-site", distribution_id="E2EXAMPLE")


@pytest.mark.parametrize(
    "argv",
    [
        ["iam-policy", "publish", "--account-id", ACCOUNT, "--bucket", "shop-site"],
        ["iam-policy", "bootstrap", "--account-id", "12345", "--bucket", "shop-site"],
    ],
    ids=["publish-without-distribution", "short-account-id"],
)
def test_iam_policy_refuses_incomplete_arguments(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)

    assert stopped.value.code != 0
