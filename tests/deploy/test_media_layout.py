"""One layout of the photos everywhere: the names the app writes, the instance's IAM policy, the
CloudFront behaviours and the media bucket's policy agree.

The app names the files (catalog.photos); the deploy tool names the prefixes CloudFront serves and
the instance may write (deploy.distribution.MEDIA_PREFIXES, deploy.iam.instance_policy). If one of
them changes alone, a thumbnail is written where nothing serves it, or refused where it is written.
"""

from fnmatch import fnmatchcase

from catalog.images import original_read
from catalog.photos import photo_store
from deploy import iam
from deploy.cloudfront import read_statements
from deploy.distribution import Site, distribution_config, distribution_drift, distribution_merge
from tests.deploy.test_iam import allowed
from tests.factories import photo_bytes

ACCOUNT = "123456789012"
ORIGINALS, MEDIA = "frameseller-originals", "frameseller-media"


def instance_policy() -> dict:
    return iam.instance_policy(
        account_id=ACCOUNT,
        region="eu-west-1",
        originals_bucket=ORIGINALS,
        media_bucket=MEDIA,
        ses_identity="shop.example.com",
    )


def stored_names() -> tuple[str, str, str]:
    """What the app writes for one photo: the original's name, the thumbnail's and the preview's."""
    files = photo_store(original=original_read(_upload(photo_bytes())))
    return files.original, files.thumbnail, files.preview


def _upload(content: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(content, name="photo.jpg")


def test_every_derivative_the_app_writes_is_served_by_cloudfront_and_writable_by_the_instance():
    _, thumbnail, preview = stored_names()
    config = distribution_config(Site(bucket="site", region="eu-west-1", media_bucket=MEDIA), oac_id="oac")
    media_patterns = [
        behavior["PathPattern"]
        for behavior in config["CacheBehaviors"]["Items"]
        if behavior["TargetOriginId"] == "media"
    ]
    (bucket_policy,) = read_statements(bucket=MEDIA, distribution_arn="arn:dist", prefixes=_media_prefixes())
    policy = instance_policy()

    for name in (thumbnail, preview):
        assert any(fnmatchcase(name, pattern) for pattern in media_patterns), (name, media_patterns)
        assert any(fnmatchcase(f"arn:aws:s3:::{MEDIA}/{name}", arn) for arn in bucket_policy["Resource"]), name
        for action in ("s3:GetObject", "s3:PutObject"):
            assert allowed(policy, action, f"arn:aws:s3:::{MEDIA}/{name}"), (action, name)


def test_the_originals_go_to_their_own_bucket_which_cloudfront_never_serves():
    original, _, _ = stored_names()
    policy = instance_policy()

    assert allowed(policy, "s3:PutObject", f"arn:aws:s3:::{ORIGINALS}/{original}")
    assert allowed(policy, "s3:GetObject", f"arn:aws:s3:::{ORIGINALS}/{original}")
    assert not allowed(policy, "s3:PutObject", f"arn:aws:s3:::{MEDIA}/{original}")


def test_a_missing_photo_is_a_404_not_a_403_for_the_instance():
    """Without s3:ListBucket S3 answers 403 for a key that does not exist (django-storages re-raises it and
    load_catalog fails); with it, 404 ("Permissions", HeadObject, Amazon S3 API Reference).

    moto answers 404 for a missing key whatever the policy, so it cannot show this: the policy is read.
    """
    policy = instance_policy()

    for bucket in (ORIGINALS, MEDIA):
        assert allowed(policy, "s3:ListBucket", f"arn:aws:s3:::{bucket}")


def test_the_instance_reads_its_secrets_and_sends_mail_from_its_identity_only():
    policy = instance_policy()
    secret = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:frameseller/prod/STRIPE_SECRET_KEY-AbCdEf"

    assert allowed(policy, "secretsmanager:GetSecretValue", secret)
    assert not allowed(policy, "secretsmanager:GetSecretValue", secret.replace("/prod/", "/staging/"))
    assert allowed(policy, "ses:SendRawEmail", f"arn:aws:ses:eu-west-1:{ACCOUNT}:identity/shop.example.com")
    assert not allowed(policy, "s3:DeleteBucket", f"arn:aws:s3:::{MEDIA}")


def _media_prefixes() -> tuple[str, ...]:
    from deploy.distribution import MEDIA_PREFIXES

    return MEDIA_PREFIXES


def test_the_former_thumbnails_behaviour_is_replaced_by_the_one_the_app_needs():
    site = Site(bucket="site", region="eu-west-1", media_bucket=MEDIA)
    current = distribution_config(site, oac_id="oac")
    former = {**current["CacheBehaviors"]["Items"][0], "PathPattern": "thumbnails/*"}
    current["CacheBehaviors"] = {"Quantity": 1, "Items": [former]}

    assert "cache behaviors" in distribution_drift(current, site, oac_id="oac")
    merged = distribution_merge(current, site, oac_id="oac")
    assert sorted(b["PathPattern"] for b in merged["CacheBehaviors"]["Items"]) == ["previews/*", "thumbs/*"]


def test_the_deploy_tool_prints_the_instance_policy(capsys):
    from deploy.__main__ import main

    printed = main(
        ["iam-policy", "instance", "--account-id", ACCOUNT, "--region", "eu-west-1", "--originals-bucket", ORIGINALS]
        + ["--media-bucket", MEDIA, "--ses-identity", "shop.example.com"]
    )

    assert printed == instance_policy()
    assert '"s3:ListBucket"' in capsys.readouterr().out
