"""The site's S3 bucket: create it, keep it private (or, for test keys only, a public website), sync its objects.

Uploads only what changed (local MD5 against the object's ETag, plus its Content-Type and
Cache-Control) and deletes what the build no longer has. Every change is logged first, and none is
made on a dry run.
"""

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from deploy.sitefiles import INDEX_DOCUMENT, LocalFile, human_size

Log = Callable[[str], None]

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
ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
# Website mode: public policies allowed (for the one granting s3:GetObject), ACLs still blocked.
POLICY_ALLOWED = {**ALL_BLOCKED, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}


@dataclass
class SyncResult:
    uploaded: list[str] = field(default_factory=list)
    uploaded_bytes: int = 0
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def s3_client(*, region: str | None, endpoint_url: str | None):
    """Return an S3 client and its region (see region_resolve)."""
    region = region_resolve(region)
    config = Config(s3={"addressing_style": "path"}) if endpoint_url else None
    return boto3.session.Session().client("s3", region_name=region, endpoint_url=endpoint_url, config=config), region


def rest_domain(*, bucket: str, region: str) -> str:
    """The bucket's regional REST endpoint, which CloudFront reaches with Origin Access Control."""
    return f"{bucket}.s3.{region}.amazonaws.com"


def website_domain(*, bucket: str, region: str) -> str:
    separator = "-" if region in _DASH_WEBSITE_REGIONS else "."
    return f"{bucket}.s3-website{separator}{region}.amazonaws.com"


def website_url(*, bucket: str, region: str, endpoint_url: str | None = None) -> str:
    """Return the address an S3 website answers on: plain HTTP, always."""
    if endpoint_url:
        return f"{endpoint_url.rstrip('/')}/{bucket}/{INDEX_DOCUMENT}"
    return f"http://{website_domain(bucket=bucket, region=region)}"


def region_resolve(region: str | None) -> str:
    """The region to use: the one given, else boto3's (AWS_DEFAULT_REGION, ~/.aws/config), else us-east-1."""
    return region or boto3.session.Session().region_name or "us-east-1"


def bucket_exists(client, bucket: str) -> bool:
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


def bucket_ensure(client, bucket: str, *, region: str, dry_run: bool, log: Log) -> bool:
    """Create the bucket when missing; return whether it existed."""
    if bucket_exists(client, bucket):
        return True
    log(f"{'[dry run] ' if dry_run else ''}create bucket {bucket} in {region}")
    if not dry_run:
        params = {"Bucket": bucket}
        if region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        client.create_bucket(**params)
    return False


def public_access_block_ensure(client, bucket: str, *, wanted: dict, exists: bool, dry_run: bool, log: Log) -> None:
    """Set the bucket's Block Public Access settings to `wanted` unless they already are."""
    current = None
    if exists:
        try:
            current = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchPublicAccessBlockConfiguration":
                raise
    if current == wanted:
        return
    what = "block all public access" if wanted == ALL_BLOCKED else "allow public bucket policies"
    log(f"{'[dry run] ' if dry_run else ''}{what} on {bucket}")
    if not dry_run:
        client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=wanted)


def bucket_policy_ensure(
    client, bucket: str, *, statements: list[dict], keep_others: bool, exists: bool, dry_run: bool, log: Log
) -> None:
    """Make the bucket policy hold `statements`: alone, or beside the others when `keep_others` (matched by Sid)."""
    current = _bucket_policy(client, bucket) if exists else None
    ours = {statement["Sid"] for statement in statements}
    kept = [s for s in (current or {}).get("Statement", []) if keep_others and s.get("Sid") not in ours]
    wanted = {"Version": "2012-10-17", "Statement": kept + statements}
    if current == wanted:
        return
    log(f"{'[dry run] ' if dry_run else ''}set the bucket policy of {bucket}: {', '.join(sorted(ours))}")
    if not dry_run:
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(wanted))


def public_read_statement(bucket: str) -> dict:
    return {
        "Sid": "PublicReadForWebsite",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }


def website_ensure(client, bucket: str, *, exists: bool, dry_run: bool, log: Log) -> None:
    website = {"IndexDocument": {"Suffix": INDEX_DOCUMENT}, "ErrorDocument": {"Key": INDEX_DOCUMENT}}
    if exists and _website_configuration(client, bucket) == website:
        return
    log(f"{'[dry run] ' if dry_run else ''}set website configuration (index and error document {INDEX_DOCUMENT})")
    if not dry_run:
        client.put_bucket_website(Bucket=bucket, WebsiteConfiguration=website)


def objects_sync(client, bucket: str, files: list[LocalFile], *, exists: bool, dry_run: bool, log: Log) -> SyncResult:
    """Make the bucket hold exactly `files`, uploading only what differs, in the files' order."""
    result = SyncResult()
    prefix = "[dry run] " if dry_run else ""
    remote = _remote_objects(client, bucket) if exists else {}
    for number, item in enumerate(files, start=1):
        reason = _upload_reason(client, bucket, item, remote.get(item.key))
        if reason is None:
            result.unchanged.append(item.key)
            continue
        result.uploaded.append(item.key)
        result.uploaded_bytes += len(item.body)
        log(f"{prefix}[{number}/{len(files)}] upload {item.key} ({human_size(len(item.body))}, {reason})")
        if not dry_run:
            client.put_object(
                Bucket=bucket,
                Key=item.key,
                Body=item.body,
                ContentType=item.content_type,
                CacheControl=item.cache_control,
                ContentMD5=_b64md5(item.body),
                **({"ContentEncoding": item.content_encoding} if item.content_encoding else {}),
            )

    wanted = {item.key for item in files}
    result.deleted = sorted(key for key in remote if key not in wanted)
    for key in result.deleted:
        log(f"{prefix}delete {key}")
    if result.deleted and not dry_run:
        for start in range(0, len(result.deleted), 1000):
            batch = [{"Key": key} for key in result.deleted[start : start + 1000]]
            response = client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            if response.get("Errors"):
                raise RuntimeError(f"could not delete: {response['Errors']}")
    return result


def _bucket_policy(client, bucket: str) -> dict | None:
    try:
        return json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchBucketPolicy":
            return None
        raise


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
    if (head.get("ContentType"), head.get("CacheControl"), head.get("ContentEncoding", "")) != (
        item.content_type,
        item.cache_control,
        item.content_encoding,
    ):
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
