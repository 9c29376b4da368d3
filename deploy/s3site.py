"""Publish the built site to an S3 bucket configured for static website hosting.

Uploads only what changed (local MD5 against the object's ETag, plus its Content-Type and
Cache-Control), deletes what the build no longer has, and sets the website configuration.
"""

import base64
import hashlib
import json
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_REVALIDATE = "no-cache"
CONFIG_KEY = "config.js"
INDEX_DOCUMENT = "index.html"

# Types that mimetypes gets wrong or does not know on every system.
CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".wasm": "application/wasm",
}
TEXT_TYPES = {
    "application/json",
    "application/manifest+json",
    "application/xml",
    "image/svg+xml",
    "text/javascript",
}

# A content hash in the file name: "app.3f9a1c2b.js", "index-B3kq9xZa.css", "logo.5d41402abc4b2a76.svg".
_HASHED_NAME = re.compile(r"[.-](?P<hash>[A-Za-z0-9_]{8,})\.[A-Za-z0-9]+$")

# Regions whose website endpoint is "s3-website-REGION"; newer ones use "s3-website.REGION".
_DASH_WEBSITE_REGIONS = {
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
    "us-gov-west-1",
}


def content_type(name: str) -> str:
    """Return the Content-Type for a file name, with charset=utf-8 for text."""
    suffix = Path(name).suffix.lower()
    value = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if value.startswith("text/") or value in TEXT_TYPES:
        value += "; charset=utf-8"
    return value


def is_versioned(name: str) -> bool:
    """Tell whether a file name carries a content hash (so it can be cached forever)."""
    match = _HASHED_NAME.search(Path(name).name)
    if not match:
        return False
    digest = match["hash"]
    is_hex = re.fullmatch(r"[0-9a-f]+", digest) is not None
    has_digit = any(ch.isdigit() for ch in digest)
    mixed_case = digest.lower() != digest and digest.upper() != digest
    return is_hex or has_digit or mixed_case


def cache_control(name: str) -> str:
    """Return the Cache-Control for an object key: immutable when hashed, revalidated otherwise."""
    if name in (INDEX_DOCUMENT, CONFIG_KEY) or not is_versioned(name):
        return CACHE_REVALIDATE
    return CACHE_IMMUTABLE


def website_url(*, bucket: str, region: str, endpoint_url: str | None = None) -> str:
    """Return the address the site answers on."""
    if endpoint_url:
        return f"{endpoint_url.rstrip('/')}/{bucket}/{INDEX_DOCUMENT}"
    separator = "-" if region in _DASH_WEBSITE_REGIONS else "."
    return f"http://{bucket}.s3-website{separator}{region}.amazonaws.com"


def public_read_policy(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicReadForWebsite",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


@dataclass(frozen=True)
class LocalFile:
    key: str
    body: bytes
    content_type: str
    cache_control: str

    @property
    def md5(self) -> str:
        return hashlib.md5(self.body, usedforsecurity=False).hexdigest()


@dataclass
class PublishResult:
    bucket: str
    url: str
    uploaded: list[str] = field(default_factory=list)
    uploaded_bytes: int = 0
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would upload" if self.dry_run else "uploaded"
        gone = "would delete" if self.dry_run else "deleted"
        return (
            f"{verb} {len(self.uploaded)} file(s), {human_size(self.uploaded_bytes)}; "
            f"{len(self.unchanged)} unchanged; {gone} {len(self.deleted)}."
        )


def site_files(dist: Path, *, config: bytes) -> list[LocalFile]:
    """Collect the build's files as objects to upload, with ``config.js`` replaced by ``config``."""
    if not (dist / INDEX_DOCUMENT).is_file():
        raise FileNotFoundError(f"{dist / INDEX_DOCUMENT} not found: build the site first.")
    files = []
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        key = path.relative_to(dist).as_posix()
        if key == CONFIG_KEY or any(part.startswith(".") for part in Path(key).parts):
            continue
        files.append(LocalFile(key, path.read_bytes(), content_type(key), cache_control(key)))
    files.append(LocalFile(CONFIG_KEY, config, content_type(CONFIG_KEY), cache_control(CONFIG_KEY)))
    # Hashed assets first, index.html last: a visitor never gets a page naming assets not there yet.
    return sorted(files, key=lambda item: (item.key == INDEX_DOCUMENT, item.cache_control != CACHE_IMMUTABLE, item.key))


def s3_client(*, region: str | None, endpoint_url: str | None):
    session = boto3.session.Session(region_name=region)
    region = session.region_name or "us-east-1"
    config = Config(s3={"addressing_style": "path"}) if endpoint_url else None
    return session.client("s3", region_name=region, endpoint_url=endpoint_url, config=config), region


def site_publish(
    *,
    bucket: str,
    files: list[LocalFile],
    region: str | None = None,
    endpoint_url: str | None = None,
    public: bool = False,
    dry_run: bool = False,
    log: Callable[[str], None] = print,
) -> PublishResult:
    """Make the bucket serve exactly ``files`` as a website, changing only what differs."""
    client, region = s3_client(region=region, endpoint_url=endpoint_url)
    result = PublishResult(
        bucket=bucket, url=website_url(bucket=bucket, region=region, endpoint_url=endpoint_url), dry_run=dry_run
    )
    prefix = "[dry run] " if dry_run else ""

    exists = _bucket_exists(client, bucket)
    if not exists:
        log(f"{prefix}create bucket {bucket} in {region}")
        if not dry_run:
            params = {"Bucket": bucket}
            if region != "us-east-1":
                params["CreateBucketConfiguration"] = {"LocationConstraint": region}
            client.create_bucket(**params)

    remote = _remote_objects(client, bucket) if exists else {}
    total = len(files)
    for number, item in enumerate(files, start=1):
        reason = _upload_reason(client, bucket, item, remote.get(item.key))
        if reason is None:
            result.unchanged.append(item.key)
            continue
        result.uploaded.append(item.key)
        result.uploaded_bytes += len(item.body)
        log(f"{prefix}[{number}/{total}] upload {item.key} ({human_size(len(item.body))}, {reason})")
        if not dry_run:
            client.put_object(
                Bucket=bucket,
                Key=item.key,
                Body=item.body,
                ContentType=item.content_type,
                CacheControl=item.cache_control,
                ContentMD5=_b64md5(item.body),
            )

    wanted = {item.key for item in files}
    stale = sorted(key for key in remote if key not in wanted)
    for key in stale:
        log(f"{prefix}delete {key}")
    result.deleted = stale
    if stale and not dry_run:
        for start in range(0, len(stale), 1000):
            batch = [{"Key": key} for key in stale[start : start + 1000]]
            response = client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            if response.get("Errors"):
                raise RuntimeError(f"could not delete: {response['Errors']}")

    website = {"IndexDocument": {"Suffix": INDEX_DOCUMENT}, "ErrorDocument": {"Key": INDEX_DOCUMENT}}
    if not exists or _website_configuration(client, bucket) != website:
        log(f"{prefix}set website configuration (index and error document {INDEX_DOCUMENT})")
        if not dry_run:
            client.put_bucket_website(Bucket=bucket, WebsiteConfiguration=website)

    if public:
        log(f"{prefix}allow public bucket policies and grant public read")
        if not dry_run:
            client.put_public_access_block(
                Bucket=bucket,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": False,
                    "RestrictPublicBuckets": False,
                },
            )
            client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public_read_policy(bucket)))
    return result


def _bucket_exists(client, bucket: str) -> bool:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in ("404", "NoSuchBucket", "NotFound"):
            return False
        if code in ("403", "AccessDenied", "Forbidden"):
            raise PermissionError(
                f"bucket {bucket} exists but these credentials may not use it (owned by another account?)"
            ) from error
        raise
    return True


def _remote_objects(client, bucket: str) -> dict[str, dict]:
    objects = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            objects[obj["Key"]] = obj
    return objects


def _upload_reason(client, bucket: str, item: LocalFile, remote: dict | None) -> str | None:
    if remote is None:
        return "new"
    etag = remote["ETag"].strip('"')
    # A multipart ETag ("…-3") is not an MD5: upload again, as one part.
    if "-" in etag or etag != item.md5:
        return "changed"
    head = client.head_object(Bucket=bucket, Key=item.key)
    if head.get("ContentType") != item.content_type or head.get("CacheControl") != item.cache_control:
        return "headers changed"
    return None


def _website_configuration(client, bucket: str) -> dict | None:
    try:
        response = client.get_bucket_website(Bucket=bucket)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchWebsiteConfiguration", "NoSuchBucket", "404"):
            return None
        raise
    return {key: response[key] for key in ("IndexDocument", "ErrorDocument") if key in response}


def _b64md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()


def human_size(count: int) -> str:
    if count < 1000:
        return f"{count} B"
    if count < 1000**2:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1000**2:.1f} MB"
