"""The site's CloudFront distribution: HTTPS in front of a private bucket, read through Origin Access Control.

Found or created, never duplicated: the Origin Access Control by name, the distribution by the
bucket it serves (and created with a caller reference derived from the bucket, which CloudFront
itself refuses to use twice). The settings this tool manages are put back when they drift; the
others (logging, a web ACL, the price class once created…) are left as the operator set them.
See "Restrict access to an Amazon S3 origin" in the CloudFront Developer Guide.
"""

import time
from dataclasses import dataclass

import boto3

from deploy.distribution import Site, distribution_config, distribution_drift, distribution_merge
from deploy.s3site import Log, rest_domain, website_domain
from deploy.sitefiles import INDEX_DOCUMENT

# The root address is cached apart from /index.html (the default root object).
INVALIDATED_PATHS = ("/", f"/{INDEX_DOCUMENT}")


@dataclass(frozen=True)
class Distribution:
    id: str
    arn: str
    domain_name: str
    aliases: tuple[str, ...]
    created: bool

    @property
    def url(self) -> str:
        return f"https://{self.aliases[0] if self.aliases else self.domain_name}"


def cloudfront_client(*, endpoint_url: str | None):
    return boto3.session.Session().client("cloudfront", region_name="us-east-1", endpoint_url=endpoint_url)


def oac_name(bucket: str) -> str:
    return f"frameseller-{bucket}"[:64]


def oac_ensure(client, *, bucket: str, dry_run: bool, log: Log) -> str | None:
    """Return the id of the bucket's Origin Access Control, created when missing (None on a dry run)."""
    name = oac_name(bucket)
    for item in _pages(client.list_origin_access_controls, "OriginAccessControlList"):
        if item["Name"] == name:
            return item["Id"]
    log(f"{'[dry run] ' if dry_run else ''}create origin access control {name} (sigv4, always sign, S3)")
    if dry_run:
        return None
    created = client.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": name,
            "Description": f"FrameSeller: CloudFront reads s3://{bucket} (and its media bucket)",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )
    return created["OriginAccessControl"]["Id"]


def distribution_find(client, site: Site) -> dict | None:
    """Return the summary of the distribution serving the site's bucket (REST or website endpoint), if any."""
    domains = {
        rest_domain(bucket=site.bucket, region=site.region),
        website_domain(bucket=site.bucket, region=site.region),
    }
    found = [
        item
        for item in _pages(client.list_distributions, "DistributionList")
        if domains & {origin["DomainName"] for origin in item["Origins"].get("Items", [])}
    ]
    if len(found) > 1:
        ids = ", ".join(item["Id"] for item in found)
        raise RuntimeError(f"several CloudFront distributions serve s3://{site.bucket} ({ids}): delete all but one")
    return found[0] if found else None


def distribution_ensure(client, site: Site, *, oac_id: str | None, dry_run: bool, log: Log) -> Distribution | None:
    """Create the site's distribution, or put back the settings this tool manages; None on a dry-run creation."""
    prefix = "[dry run] " if dry_run else ""
    existing = distribution_find(client, site)
    if existing is None:
        log(
            f"{prefix}create CloudFront distribution for s3://{site.bucket} "
            f"(HTTPS only, default root object {INDEX_DOCUMENT})"
        )
        if dry_run:
            return None
        made = client.create_distribution(DistributionConfig=distribution_config(site, oac_id=oac_id))["Distribution"]
        return Distribution(made["Id"], made["ARN"], made["DomainName"], site.aliases, created=True)

    response = client.get_distribution_config(Id=existing["Id"])
    current = response["DistributionConfig"]
    drift = distribution_drift(current, site, oac_id=oac_id)
    if drift:
        log(f"{prefix}update CloudFront distribution {existing['Id']}: {', '.join(drift)}")
        if not dry_run:
            merged = distribution_merge(current, site, oac_id=oac_id)
            client.update_distribution(Id=existing["Id"], IfMatch=response["ETag"], DistributionConfig=merged)
    aliases = site.aliases or tuple(current.get("Aliases", {}).get("Items") or ())
    return Distribution(existing["Id"], existing["ARN"], existing["DomainName"], aliases, created=False)


def read_statements(*, bucket: str, distribution_arn: str, prefixes: tuple[str, ...] = ("",)) -> list[dict]:
    """The bucket policy statement letting CloudFront, for this distribution only, read the given prefixes."""
    return [
        {
            "Sid": "AllowCloudFrontServicePrincipalReadOnly",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in prefixes],
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }
    ]


def invalidate(client, distribution_id: str, *, dry_run: bool, log: Log) -> list[str]:
    """Drop the site's entry points from CloudFront's caches, so that visitors get the new build at once."""
    paths = list(INVALIDATED_PATHS)
    log(f"{'[dry run] ' if dry_run else ''}invalidate {' '.join(paths)} on distribution {distribution_id}")
    if not dry_run:
        client.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": f"frameseller-publish-{time.time_ns()}",
            },
        )
    return paths


def _pages(operation, list_key: str):
    """Yield every item of a CloudFront List* operation, following its markers."""
    marker = None
    while True:
        page = operation(**({"Marker": marker} if marker else {}))[list_key]
        yield from page.get("Items") or []
        marker = page.get("NextMarker")
        if not page.get("IsTruncated") or not marker:
            return
