"""moto's server enforcing IAM as S3 does for what the rehearsal needs: `python -m tests.rehearsal.aws --port N`.

moto checks a signed request's identity against its IAM policies once INITIAL_NO_AUTH_ACTION_COUNT
requests have gone by. Two gaps matter to the shop, and are closed here:

- A presigned URL (a buyer's download link) and an anonymous request (the "CDN" reading the media
  bucket) carry no Authorization header, and moto 5.2.5 answers them 500 with IAM on. A presigned
  request is checked against its signer's policies (its signature is not checked again); an
  anonymous one is left to the bucket policy and the object's ACL, which moto checks for objects.
- S3 answers 403, not 404, for a missing key when the caller may not s3:ListBucket the bucket
  ("HeadObject", Permissions, Amazon S3 API Reference); moto answers 404 whatever the policy.
  Here a GET or HEAD of a missing key without s3:ListBucket is refused as S3 refuses it.
"""

import sys
from urllib.parse import parse_qs, urlsplit

from moto import server, settings
from moto.core.authorization import ActionAuthenticatorMixin


def _enforcing() -> bool:
    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def _identity_request(handler, request_cls, action: str):
    """The IAM request for `handler`'s caller, a presigned URL's signer included; None when anonymous."""
    headers = dict(handler.headers)
    if "Authorization" not in headers:
        query = parse_qs(urlsplit(handler.uri).query)
        credential = (query.get("X-Amz-Credential") or [""])[0]
        if not credential and query.get("AWSAccessKeyId"):  # a SigV2 presigned URL
            credential = f"{query['AWSAccessKeyId'][0]}/19700101/us-east-1/s3/aws4_request"
        if not credential:
            return None
        headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host, Signature=-"
    return request_cls(
        account_id=handler.current_account,
        method=handler.method,
        path=handler.raw_path,
        data=handler.data,
        body=handler.raw_body,
        headers=headers,
        action=action,
    )


_moto_authorize = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _authorize(self, iam_request_cls, resource: str = "*") -> None:
    if not _enforcing() or "Authorization" in self.headers:
        return _moto_authorize(self, iam_request_cls, resource)
    request = _identity_request(self, iam_request_cls, self._get_action())
    if request is not None:
        request.check_action_permitted(resource)


_moto_authorize_s3 = ActionAuthenticatorMixin._authenticate_and_authorize_s3_action


def _authorize_s3(self, bucket_name: str | None = None, key_name: str | None = None) -> None:
    _moto_authorize_s3(self, bucket_name=bucket_name, key_name=key_name)
    if not (_enforcing() and bucket_name and key_name and self.method in ("GET", "HEAD")):
        return
    try:
        found = self.backend.get_object(bucket_name, key_name)
    except Exception:  # moto's NoSuchBucket and the like: moto answers them itself
        return
    if found is None:
        from moto.iam.access_control import S3IAMRequest

        request = _identity_request(self, S3IAMRequest, "ListBucket")
        if request is not None:
            request.check_action_permitted(f"arn:aws:s3:::{bucket_name}")


def main(argv: list[str]) -> None:
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize
    ActionAuthenticatorMixin._authenticate_and_authorize_s3_action = _authorize_s3
    server.main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
