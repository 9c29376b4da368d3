"""Publish the built site: to a private bucket behind CloudFront (HTTPS), or, for test keys only, an S3 website.

The private way (the default), in order: the bucket (created when missing) with all public access
blocked, its objects synced, the Origin Access Control and the distribution found or created, the
bucket policy letting that distribution alone read, then an invalidation of the entry points.
"""

from dataclasses import dataclass, field

from deploy import cloudfront, s3site
from deploy.distribution import MEDIA_PREFIXES, Site
from deploy.s3site import Log
from deploy.sitefiles import LocalFile, human_size

LIVE_KEY_PREFIX = "pk_live_"


class PublishRefused(Exception):
    """What was asked would be unsafe or cannot work; nothing was changed."""


@dataclass
class PublishResult:
    bucket: str
    url: str
    uploaded: list[str] = field(default_factory=list)
    uploaded_bytes: int = 0
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    distribution_id: str | None = None
    invalidated: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would upload" if self.dry_run else "uploaded"
        gone = "would delete" if self.dry_run else "deleted"
        return (
            f"{verb} {len(self.uploaded)} file(s), {human_size(self.uploaded_bytes)}; "
            f"{len(self.unchanged)} unchanged; {gone} {len(self.deleted)}."
        )


def live_key_refuse(*, stripe_publishable_key: str, site_url: str, api_url: str) -> None:
    """Stripe takes live payments only from HTTPS pages: refuse a live key for a site or API over plain HTTP."""
    if not stripe_publishable_key.startswith(LIVE_KEY_PREFIX):
        return
    for what, url in (("site", site_url), ("API", api_url)):
        if not url.startswith("https://"):
            raise PublishRefused(
                f"a live Stripe key ({LIVE_KEY_PREFIX}…) needs HTTPS, and the {what} would be {url}: "
                "publish behind CloudFront (without --website), or use a pk_test_ key."
            )


def site_publish_private(
    *,
    files: list[LocalFile],
    site: Site,
    endpoint_url: str | None = None,
    dry_run: bool = False,
    log: Log = print,
) -> PublishResult:
    """Serve `files` over HTTPS from CloudFront, out of a bucket nobody else can read."""
    s3, _ = s3site.s3_client(region=site.region, endpoint_url=endpoint_url)
    cf = cloudfront.cloudfront_client(endpoint_url=endpoint_url)
    if site.media_bucket and not s3site.bucket_exists(s3, site.media_bucket):
        raise PublishRefused(f"the media bucket {site.media_bucket} does not exist: create it (private) first.")
    exists = s3site.bucket_ensure(s3, site.bucket, region=site.region, dry_run=dry_run, log=log)
    s3site.public_access_block_ensure(
        s3, site.bucket, wanted=s3site.ALL_BLOCKED, exists=exists, dry_run=dry_run, log=log
    )
    synced = s3site.objects_sync(s3, site.bucket, files, exists=exists, dry_run=dry_run, log=log)

    oac_id = cloudfront.oac_ensure(cf, bucket=site.bucket, dry_run=dry_run, log=log)
    distribution = cloudfront.distribution_ensure(cf, site, oac_id=oac_id, dry_run=dry_run, log=log)
    result = PublishResult(
        bucket=site.bucket,
        url=distribution.url if distribution else "https://<the new distribution>.cloudfront.net",
        uploaded=synced.uploaded,
        uploaded_bytes=synced.uploaded_bytes,
        unchanged=synced.unchanged,
        deleted=synced.deleted,
        distribution_id=distribution.id if distribution else None,
        dry_run=dry_run,
    )
    if distribution is None:
        log("[dry run] let the new distribution alone read the bucket (bucket policy)")
        return result

    s3site.bucket_policy_ensure(
        s3,
        site.bucket,
        statements=cloudfront.read_statements(bucket=site.bucket, distribution_arn=distribution.arn),
        keep_others=False,
        exists=exists,
        dry_run=dry_run,
        log=log,
    )
    if site.media_bucket:
        s3site.bucket_policy_ensure(
            s3,
            site.media_bucket,
            statements=cloudfront.read_statements(
                bucket=site.media_bucket, distribution_arn=distribution.arn, prefixes=MEDIA_PREFIXES
            ),
            keep_others=True,
            exists=True,
            dry_run=dry_run,
            log=log,
        )
    if not distribution.created:
        result.invalidated = cloudfront.invalidate(cf, distribution.id, dry_run=dry_run, log=log)
    return result


def site_publish_website(
    *,
    bucket: str,
    files: list[LocalFile],
    region: str | None = None,
    endpoint_url: str | None = None,
    dry_run: bool = False,
    log: Log = print,
) -> PublishResult:
    """Serve `files` from an S3 website: plain HTTP, a bucket everyone may read. For test keys only."""
    s3, region = s3site.s3_client(region=region, endpoint_url=endpoint_url)
    exists = s3site.bucket_ensure(s3, bucket, region=region, dry_run=dry_run, log=log)
    synced = s3site.objects_sync(s3, bucket, files, exists=exists, dry_run=dry_run, log=log)
    s3site.website_ensure(s3, bucket, exists=exists, dry_run=dry_run, log=log)
    s3site.public_access_block_ensure(s3, bucket, wanted=s3site.POLICY_ALLOWED, exists=exists, dry_run=dry_run, log=log)
    s3site.bucket_policy_ensure(
        s3,
        bucket,
        statements=[s3site.public_read_statement(bucket)],
        keep_others=False,
        exists=exists,
        dry_run=dry_run,
        log=log,
    )
    return PublishResult(
        bucket=bucket,
        url=s3site.website_url(bucket=bucket, region=region, endpoint_url=endpoint_url),
        uploaded=synced.uploaded,
        uploaded_bytes=synced.uploaded_bytes,
        unchanged=synced.unchanged,
        deleted=synced.deleted,
        dry_run=dry_run,
    )
