"""The site over HTTPS: a private bucket behind CloudFront with an Origin Access Control (moto's S3 and CloudFront).

moto 5.2.5 drops an origin's OriginAccessControlId and S3OriginConfig; conftest.py makes it keep
them, as CloudFront does.
"""

import json
import re
import uuid

import boto3
import pytest
from botocore.config import Config

from deploy.__main__ import main
from deploy.distribution import CACHING_OPTIMIZED, SECURITY_HEADERS, Site, distribution_drift, distribution_merge
from tests.deploy.test_publish_frontend import INDEX, published_page

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-000000000001"


@pytest.fixture
def bucket():
    return f"frameseller-site-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3(s3_server, aws_env):
    return boto3.client(
        "s3", endpoint_url=s3_server, region_name="eu-west-1", config=Config(s3={"addressing_style": "path"})
    )


@pytest.fixture
def cloudfront(s3_server, aws_env):
    return boto3.client("cloudfront", endpoint_url=s3_server, region_name="us-east-1")


@pytest.fixture
def dist(tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "assets" / "app.3f9a1c2b.js").write_text("console.log('shop');\n")
    return root


@pytest.fixture
def publish(s3_server, aws_env, dist, bucket):
    def run(*extra: str, key: str = "pk_test_abc123", api: str = "https://api.example.com"):
        return main(
            [
                "publish-frontend",
                "--bucket",
                bucket,
                "--region",
                "eu-west-1",
                "--api-url",
                api,
                "--stripe-publishable-key",
                key,
                "--endpoint-url",
                s3_server,
                "--dist",
                str(dist),
                "--skip-build",
                *extra,
            ]
        )

    return run


def distributions_of(cloudfront, bucket: str) -> list[dict]:
    items = cloudfront.list_distributions()["DistributionList"].get("Items", [])
    return [d for d in items if any(bucket in o["DomainName"] for o in d["Origins"]["Items"])]


def oacs_named(cloudfront, name: str) -> list[dict]:
    items = cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    return [item for item in items if item["Name"] == name]


def test_the_site_is_served_over_https_by_cloudfront_from_the_buckets_rest_endpoint(
    publish, cloudfront, bucket, capsys
):
    result = publish()

    (summary,) = distributions_of(cloudfront, bucket)
    config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    (origin,) = config["Origins"]["Items"]
    assert origin["DomainName"] == f"{bucket}.s3.eu-west-1.amazonaws.com"  # REST, not s3-website
    assert config["DefaultRootObject"] == "index.html"
    assert config["Enabled"] is True
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["CachePolicyId"] == CACHING_OPTIMIZED
    assert behavior["ResponseHeadersPolicyId"] == SECURITY_HEADERS
    assert result.url == f"https://{summary['DomainName']}"
    assert capsys.readouterr().out.rstrip().endswith(f"Site: https://{summary['DomainName']}")


def test_only_this_distribution_may_read_the_bucket(publish, cloudfront, s3, bucket):
    publish()

    (summary,) = distributions_of(cloudfront, bucket)
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "AllowCloudFrontServicePrincipalReadOnly",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": [f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"StringEquals": {"AWS:SourceArn": summary["ARN"]}},
        }
    ]
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())


def test_the_origin_access_control_signs_every_request_to_s3(publish, cloudfront, bucket):
    publish()

    (oac,) = oacs_named(cloudfront, f"frameseller-{bucket}")
    assert (oac["SigningProtocol"], oac["SigningBehavior"], oac["OriginAccessControlOriginType"]) == (
        "sigv4",
        "always",
        "s3",
    )


def test_the_distribution_reaches_the_bucket_through_the_origin_access_control(publish, cloudfront, bucket):
    publish()

    (summary,) = distributions_of(cloudfront, bucket)
    (oac,) = oacs_named(cloudfront, f"frameseller-{bucket}")
    config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    (origin,) = config["Origins"]["Items"]
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy identity
    assert origin["OriginAccessControlId"] == oac["Id"]
    assert "CustomOriginConfig" not in origin
    assert config["CallerReference"] == f"frameseller-site-{bucket}"


def test_publishing_again_finds_the_distribution_and_invalidates_the_entry_points(publish, cloudfront, bucket, capsys):
    first = publish()
    assert first.invalidated == []  # a new distribution has nothing cached

    capsys.readouterr()

    second = publish()

    assert "update CloudFront distribution" not in capsys.readouterr().out  # nothing drifted
    assert len(distributions_of(cloudfront, bucket)) == 1
    assert len(oacs_named(cloudfront, f"frameseller-{bucket}")) == 1
    assert second.distribution_id == first.distribution_id
    assert second.invalidated == ["/", "/index.html"]
    (invalidation,) = cloudfront.list_invalidations(DistributionId=second.distribution_id)["InvalidationList"]["Items"]
    batch = cloudfront.get_invalidation(DistributionId=second.distribution_id, Id=invalidation["Id"])["Invalidation"]
    assert batch["InvalidationBatch"]["Paths"]["Items"] == ["/", "/index.html"]


def test_a_dry_run_creates_no_bucket_distribution_or_access_control(publish, cloudfront, s3, bucket, capsys):
    result = publish("--dry-run")

    assert distributions_of(cloudfront, bucket) == []
    assert oacs_named(cloudfront, f"frameseller-{bucket}") == []
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    out = capsys.readouterr().out
    assert "[dry run] create CloudFront distribution" in out
    assert result.distribution_id is None


def test_a_domain_is_served_with_its_certificate(publish, cloudfront, bucket):
    result = publish("--alias", "shop.example.com", "--certificate-arn", CERTIFICATE)

    (summary,) = distributions_of(cloudfront, bucket)
    config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    assert config["Aliases"]["Items"] == ["shop.example.com"]
    assert config["ViewerCertificate"]["ACMCertificateArn"] == CERTIFICATE
    assert config["ViewerCertificate"]["SSLSupportMethod"] == "sni-only"
    assert result.url == "https://shop.example.com"


def test_a_domain_added_later_is_put_on_the_existing_distribution(publish, cloudfront, bucket):
    publish()

    result = publish("--alias", "shop.example.com", "--certificate-arn", CERTIFICATE)

    (summary,) = distributions_of(cloudfront, bucket)
    config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    assert config["Aliases"]["Items"] == ["shop.example.com"]
    assert result.url == "https://shop.example.com"
    # A later publish without --alias (CI) keeps it.
    assert publish().url == "https://shop.example.com"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--alias", "shop.example.com"], "--alias and --certificate-arn go together"),
        (["--certificate-arn", CERTIFICATE], "--alias and --certificate-arn go together"),
        (
            ["--alias", "shop.example.com", "--certificate-arn", CERTIFICATE.replace("us-east-1", "eu-west-1")],
            "us-east-1 only",
        ),
        (["--website", "--alias", "shop.example.com"], "need CloudFront"),
    ],
)
def test_a_domain_needs_a_certificate_from_us_east_1(publish, cloudfront, bucket, capsys, extra, message):
    with pytest.raises(SystemExit) as stopped:
        publish(*extra)

    assert message in str(stopped.value)
    assert distributions_of(cloudfront, bucket) == []


def test_a_live_key_is_published_behind_cloudfront(publish, s3, bucket):
    publish(key="pk_live_abc123")

    assert "pk_live_abc123" in published_page(s3, bucket)


@pytest.mark.parametrize(
    ("extra", "api"),
    [(["--website"], "https://api.example.com"), ([], "http://api.example.com")],
    ids=["http-site", "http-api"],
)
def test_a_live_key_is_refused_for_anything_over_plain_http(publish, s3, bucket, extra, api):
    with pytest.raises(SystemExit) as stopped:
        publish(*extra, key="pk_live_abc123", api=api)

    assert "needs HTTPS" in str(stopped.value)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_a_bucket_published_as_a_website_becomes_private(publish, s3, bucket):
    publish("--website")

    publish()

    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert [statement["Principal"] for statement in policy["Statement"]] == [{"Service": "cloudfront.amazonaws.com"}]
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())


@pytest.fixture
def media_bucket(s3):
    name = f"frameseller-media-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return name


def test_previews_and_thumbnails_come_from_the_media_bucket_through_the_same_distribution(
    publish, cloudfront, s3, bucket, media_bucket
):
    other = {"Sid": "AppWritesOriginals", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}
    other |= {"Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{media_bucket}/originals/*"}
    s3.put_bucket_policy(Bucket=media_bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [other]}))

    publish("--media-bucket", media_bucket)

    (summary,) = distributions_of(cloudfront, bucket)
    config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    origins = {origin["Id"]: origin["DomainName"] for origin in config["Origins"]["Items"]}
    assert origins == {
        "site": f"{bucket}.s3.eu-west-1.amazonaws.com",
        "media": f"{media_bucket}.s3.eu-west-1.amazonaws.com",
    }
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]["Items"]}
    assert set(behaviors) == {"previews/*", "thumbs/*"}
    assert {b["TargetOriginId"] for b in behaviors.values()} == {"media"}
    assert {b["ViewerProtocolPolicy"] for b in behaviors.values()} == {"redirect-to-https"}
    # CloudFront may read previews/ and thumbs/ only; the bucket's other statements stay.
    statements = json.loads(s3.get_bucket_policy(Bucket=media_bucket)["Policy"])["Statement"]
    assert statements[0] == other
    assert statements[1]["Resource"] == [
        f"arn:aws:s3:::{media_bucket}/previews/*",
        f"arn:aws:s3:::{media_bucket}/thumbs/*",
    ]
    assert statements[1]["Condition"] == {"StringEquals": {"AWS:SourceArn": summary["ARN"]}}


def test_a_missing_media_bucket_is_refused_before_anything_changes(publish, cloudfront, s3, bucket):
    with pytest.raises(SystemExit) as stopped:
        publish("--media-bucket", f"frameseller-media-{uuid.uuid4().hex[:12]}")

    assert "does not exist" in str(stopped.value)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_an_origin_on_the_website_endpoint_is_replaced_by_the_rest_endpoint():
    """A distribution made by hand in front of the S3 website (the old way) is moved to the private bucket."""
    site = Site(bucket="shop-site", region="eu-west-1")
    current = {
        "Origins": {
            "Quantity": 2,
            "Items": [
                {
                    "Id": "S3-Website",
                    "DomainName": "shop-site.s3-website-eu-west-1.amazonaws.com",
                    "CustomOriginConfig": {},
                },
                {"Id": "api", "DomainName": "api.example.com", "CustomOriginConfig": {}},
            ],
        },
        "DefaultCacheBehavior": {"TargetOriginId": "S3-Website", "ViewerProtocolPolicy": "allow-all", "MinTTL": 0},
        "CacheBehaviors": {"Quantity": 1, "Items": [{"PathPattern": "img/*", "TargetOriginId": "S3-Website"}]},
        "DefaultRootObject": "",
        "Enabled": True,
        "Comment": "made by hand",
    }

    assert distribution_drift(current, site, oac_id="E2OAC") == [
        "origin site",
        "default root object, enabled",
        "default cache behavior",
        "cache behaviors",
    ]
    merged = distribution_merge(current, site, oac_id="E2OAC")

    assert [origin["Id"] for origin in merged["Origins"]["Items"]] == ["api", "site"]
    assert merged["DefaultCacheBehavior"]["TargetOriginId"] == "site"
    assert "MinTTL" not in merged["DefaultCacheBehavior"]  # cannot sit beside a cache policy
    assert merged["CacheBehaviors"]["Items"][0]["TargetOriginId"] == "site"
    assert merged["Comment"] == "made by hand"
    assert distribution_drift(merged, site, oac_id="E2OAC") == []


def test_output_names_the_distribution_and_the_https_address(publish, capsys):
    result = publish()

    out = capsys.readouterr().out
    assert f"CloudFront distribution: {result.distribution_id}\n" in out
    assert re.search(r"^Site: https://[a-z0-9]+\.cloudfront\.net$", out, re.M)
