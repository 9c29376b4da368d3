"""What the site's CloudFront distribution must look like, as the configuration CloudFront's API takes.

Pure functions, no AWS calls: the configuration of a new distribution, an existing one with the
settings this tool manages put back (the others kept as the operator set them), and which of
those managed settings have drifted. deploy/cloudfront.py does the talking.
"""

from dataclasses import dataclass

from deploy.s3site import rest_domain, website_domain
from deploy.sitefiles import INDEX_DOCUMENT

# AWS managed policies ("Use managed cache policies", "Use managed response headers policies"):
# CachingOptimized honours the objects' Cache-Control (no-cache for index.html, which holds the settings,
# a year for hashed assets); SecurityHeadersPolicy adds HSTS, nosniff, frame and referrer policies.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"
SITE_ORIGIN = "site"
MEDIA_ORIGIN = "media"
# What the photos' previews and thumbnails bucket serves through this distribution; its
# originals (or anything else) stay unreachable: the bucket policy names these prefixes only.
# They are where the app writes (catalog.photos) and where the instances may write
# (deploy.iam.instance_policy): tests/deploy/test_media_layout.py holds the three together.
MEDIA_PREFIXES = ("previews/", "thumbs/")
# Behaviours an earlier version of this tool made for a prefix the app never wrote: removed.
FORMER_MEDIA_PATTERNS = ("thumbnails/*",)


@dataclass(frozen=True)
class Site:
    """What the distribution must look like."""

    bucket: str
    region: str
    aliases: tuple[str, ...] = ()
    certificate_arn: str | None = None
    media_bucket: str | None = None
    price_class: str = "PriceClass_100"


def distribution_config(site: Site, *, oac_id: str | None) -> dict:
    """The whole configuration of a new distribution for the site."""
    return distribution_merge(
        {
            "CallerReference": f"frameseller-site-{site.bucket}",
            "Comment": f"FrameSeller site: s3://{site.bucket}",
            "Origins": {"Quantity": 0, "Items": []},
            "CacheBehaviors": {"Quantity": 0, "Items": []},
            "Aliases": {"Quantity": 0, "Items": []},
            "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
            "PriceClass": site.price_class,
            "HttpVersion": "http2and3",
            "IsIPV6Enabled": True,
        },
        site,
        oac_id=oac_id,
    )


def distribution_merge(current: dict, site: Site, *, oac_id: str | None) -> dict:
    """Return `current` with the settings this tool manages set; the others untouched."""
    config = dict(current)
    site_domain = rest_domain(bucket=site.bucket, region=site.region)
    ours = {SITE_ORIGIN: _s3_origin(SITE_ORIGIN, site_domain, oac_id)}
    # Which origin id serves each of our buckets' domains (the website endpoint too: replaced).
    serving = {site_domain: SITE_ORIGIN, website_domain(bucket=site.bucket, region=site.region): SITE_ORIGIN}
    if site.media_bucket:
        media_domain = rest_domain(bucket=site.media_bucket, region=site.region)
        ours[MEDIA_ORIGIN] = _s3_origin(MEDIA_ORIGIN, media_domain, oac_id)
        serving[media_domain] = MEDIA_ORIGIN
    # An origin for one of our buckets under another id (made by hand) is replaced by ours,
    # and the behaviors that pointed at it follow.
    renamed = {}
    origins = []
    for origin in current["Origins"].get("Items", []):
        if origin["Id"] in ours or origin["DomainName"] in serving:
            renamed[origin["Id"]] = serving.get(origin["DomainName"], origin["Id"])
            continue
        origins.append(origin)
    origins += list(ours.values())
    config["Origins"] = {"Quantity": len(origins), "Items": origins}

    config["Enabled"] = True
    config["DefaultRootObject"] = INDEX_DOCUMENT
    config["DefaultCacheBehavior"] = _behavior(current.get("DefaultCacheBehavior", {}), SITE_ORIGIN)
    behaviors = [
        {**behavior, "TargetOriginId": renamed.get(behavior["TargetOriginId"], behavior["TargetOriginId"])}
        for behavior in current.get("CacheBehaviors", {}).get("Items", []) or []
        if not (site.media_bucket and behavior["PathPattern"] in (*_media_patterns(), *FORMER_MEDIA_PATTERNS))
    ]
    if site.media_bucket:
        behaviors += [{**_behavior({}, MEDIA_ORIGIN), "PathPattern": pattern} for pattern in _media_patterns()]
    config["CacheBehaviors"] = {"Quantity": len(behaviors), "Items": behaviors}

    if site.aliases:
        config["Aliases"] = {"Quantity": len(site.aliases), "Items": list(site.aliases)}
        config["ViewerCertificate"] = {
            "ACMCertificateArn": site.certificate_arn,
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        }
    return config


def distribution_drift(current: dict, site: Site, *, oac_id: str | None) -> list[str]:
    """Name the managed settings in which `current` differs from what the site needs."""
    wanted = distribution_merge(current, site, oac_id=oac_id)
    drift = []
    origins = {origin["Id"]: origin for origin in current["Origins"].get("Items", [])}
    for origin in wanted["Origins"]["Items"]:
        ours = origin["Id"] in (SITE_ORIGIN, MEDIA_ORIGIN)
        if ours and _origin_key(origins.get(origin["Id"])) != _origin_key(origin):
            drift.append(f"origin {origin['Id']}")
    if current.get("DefaultRootObject") != INDEX_DOCUMENT or not current.get("Enabled"):
        drift.append("default root object, enabled")
    if _behavior_key(current.get("DefaultCacheBehavior", {})) != _behavior_key(wanted["DefaultCacheBehavior"]):
        drift.append("default cache behavior")
    if _behaviors_key(current) != _behaviors_key(wanted):
        drift.append("cache behaviors")
    if site.aliases and (
        sorted(current.get("Aliases", {}).get("Items") or []) != sorted(site.aliases)
        or current.get("ViewerCertificate", {}).get("ACMCertificateArn") != site.certificate_arn
    ):
        drift.append("aliases and certificate")
    return drift


def _s3_origin(origin_id: str, domain: str, oac_id: str | None) -> dict:
    return {
        "Id": origin_id,
        "DomainName": domain,
        "OriginPath": "",
        # An empty identity: the bucket is reached with the Origin Access Control instead.
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        "OriginAccessControlId": oac_id or "",
        "CustomHeaders": {"Quantity": 0},
        "ConnectionAttempts": 3,
        "ConnectionTimeout": 10,
        "OriginShield": {"Enabled": False},
    }


def _behavior(current: dict, origin_id: str) -> dict:
    # The legacy TTL and forwarded-values settings cannot sit beside a cache policy.
    legacy = {"ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL"}
    behavior = {key: value for key, value in current.items() if key not in legacy}
    behavior.update(
        {
            "TargetOriginId": origin_id,
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": CACHING_OPTIMIZED,
            "ResponseHeadersPolicyId": SECURITY_HEADERS,
            "Compress": True,
            "AllowedMethods": {
                "Quantity": 2,
                "Items": ["GET", "HEAD"],
                "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
            },
        }
    )
    return behavior


def _media_patterns() -> list[str]:
    return [f"{prefix}*" for prefix in MEDIA_PREFIXES]


def _origin_key(origin: dict | None) -> tuple | None:
    if origin is None:
        return None
    s3 = origin.get("S3OriginConfig")
    return (
        origin["DomainName"],
        origin.get("OriginPath", ""),
        None if s3 is None else s3.get("OriginAccessIdentity", ""),
        origin.get("OriginAccessControlId", ""),
    )


def _behavior_key(behavior: dict) -> tuple:
    return tuple(
        behavior.get(key)
        for key in ("TargetOriginId", "ViewerProtocolPolicy", "CachePolicyId", "ResponseHeadersPolicyId")
    )


def _behaviors_key(config: dict) -> list:
    items = config.get("CacheBehaviors", {}).get("Items") or []
    return sorted((behavior["PathPattern"], *_behavior_key(behavior)) for behavior in items)
