"""The IAM policies for publishing the site: a one-time bootstrap, then a least-privilege publish.

Both name exact resources. Bucket ARNs carry no account, and bucket names are global: an
aws:ResourceAccount condition keeps the grant on the bucket in this account, never a namesake
elsewhere. CloudFront ARNs carry the account already.

- bootstrap: run once, by an administrator, for the first publish (and after changing
  --alias, --certificate-arn or --media-bucket): creates the bucket, blocks its public access,
  creates the Origin Access Control and the distribution, sets the bucket policies.
- publish: what CI needs for every later publish: sync the objects, find the distribution,
  invalidate. It cannot create buckets, change a bucket policy or its public access block, or
  reconfigure the distribution: CI can never make a bucket public.

The website mode (--website) is in neither: it is for a test account, with its own credentials.

- instance: what the API's instances need besides the platform's managed policies: the environment's
  secrets, the photos (both buckets, s3:ListBucket included) and sending mail from the SES identity.
"""

import json

from deploy.distribution import MEDIA_PREFIXES


def site_publish_policy(*, account_id: str, bucket: str, distribution_id: str, media_bucket: str | None = None) -> dict:
    """The policy for publishing again once the bootstrap is done."""
    buckets = [bucket, *([media_bucket] if media_bucket else [])]
    return _policy(
        _statement(
            "ReadTheBucketsSettings",
            ["s3:ListBucket", "s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock"],
            [f"arn:aws:s3:::{name}" for name in buckets],
            account_id=account_id,
        ),
        _statement(
            "SyncTheSiteObjects",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            [f"arn:aws:s3:::{bucket}/*"],
            account_id=account_id,
        ),
        _find_the_distribution(),
        _statement(
            "InvalidateTheSite",
            ["cloudfront:GetDistributionConfig", "cloudfront:CreateInvalidation"],
            [f"arn:aws:cloudfront::{account_id}:distribution/{distribution_id}"],
        ),
    )


def site_bootstrap_policy(*, account_id: str, bucket: str, media_bucket: str | None = None) -> dict:
    """The policy for the first publish, which creates and configures everything."""
    buckets = [bucket, *([media_bucket] if media_bucket else [])]
    return _policy(
        _statement(
            "CreateAndLockTheSiteBucket",
            ["s3:CreateBucket", "s3:PutBucketPublicAccessBlock"],
            [f"arn:aws:s3:::{bucket}"],
            account_id=account_id,
        ),
        _statement(
            "ConfigureTheBuckets",
            ["s3:ListBucket", "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:GetBucketPublicAccessBlock"],
            [f"arn:aws:s3:::{name}" for name in buckets],
            account_id=account_id,
        ),
        _statement(
            "SyncTheSiteObjects",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            [f"arn:aws:s3:::{bucket}/*"],
            account_id=account_id,
        ),
        _find_the_distribution(),
        # CreateOriginAccessControl names no resource: "*" is the only way to grant it.
        _statement("CreateTheOriginAccessControl", ["cloudfront:CreateOriginAccessControl"], ["*"]),
        _statement(
            "CreateAndConfigureTheDistribution",
            [
                "cloudfront:CreateDistribution",
                "cloudfront:GetDistribution",
                "cloudfront:GetDistributionConfig",
                "cloudfront:UpdateDistribution",
                "cloudfront:CreateInvalidation",
            ],
            # Its id is not known before it exists.
            [f"arn:aws:cloudfront::{account_id}:distribution/*"],
        ),
    )


def instance_policy(
    *,
    account_id: str,
    region: str,
    originals_bucket: str,
    media_bucket: str,
    ses_identity: str,
    secrets_prefix: str = "frameseller/prod/",
) -> dict:
    """The application's policy for the instance profile (docs/deploy.md, step 5)."""
    return _policy(
        _statement(
            "ReadTheEnvironmentSecrets",
            ["secretsmanager:GetSecretValue"],
            [f"arn:aws:secretsmanager:{region}:{account_id}:secret:{secrets_prefix}*"],
        ),
        # Without s3:ListBucket, S3 answers 403 instead of 404 for a key that does not exist, and
        # django-storages re-raises it: load_catalog's "is it there yet?" fails every deployment.
        _statement(
            "FindThePhotos",
            ["s3:ListBucket"],
            [f"arn:aws:s3:::{originals_bucket}", f"arn:aws:s3:::{media_bucket}"],
            account_id=account_id,
        ),
        _statement(
            "KeepThePhotos",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            [
                f"arn:aws:s3:::{originals_bucket}/*",
                # The prefixes CloudFront serves (deploy.distribution), where the app writes derivatives.
                *(f"arn:aws:s3:::{media_bucket}/{prefix}*" for prefix in MEDIA_PREFIXES),
            ],
            account_id=account_id,
        ),
        _statement(
            "SendTheReceipts",
            ["ses:SendEmail", "ses:SendRawEmail"],
            [f"arn:aws:ses:{region}:{account_id}:identity/{ses_identity}"],
        ),
    )


def policy_json(policy: dict) -> str:
    return json.dumps(policy, indent=2) + "\n"


def _find_the_distribution() -> dict:
    # List actions support no resource-level permission: "*" is the only way to grant them.
    # They read names and configurations, change nothing.
    return _statement(
        "FindTheDistribution", ["cloudfront:ListDistributions", "cloudfront:ListOriginAccessControls"], ["*"]
    )


def _statement(sid: str, actions: list[str], resources: list[str], *, account_id: str | None = None) -> dict:
    statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if account_id:
        statement["Condition"] = {"StringEquals": {"aws:ResourceAccount": account_id}}
    return statement


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}
