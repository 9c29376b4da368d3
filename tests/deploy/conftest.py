"""Fixtures for the deployment tests: a local AWS (moto's server, S3 and CloudFront), free ports."""

import socket

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def moto_keeps_origin_access_controls(patch: pytest.MonkeyPatch) -> None:
    """Make moto's CloudFront keep an origin's S3OriginConfig and OriginAccessControlId, as CloudFront does.

    moto 5.2.5 reads them and answers without them, so a distribution would look as if it had no
    Origin Access Control. Remove this once moto keeps them (the assertion below will say so).
    """
    from moto.cloudfront.models import Origin

    plain = {"Id": "o", "DomainName": "b.s3.eu-west-1.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
    assert not hasattr(Origin(dict(plain)), "origin_access_control_id"), "moto keeps it now: drop this patch"
    moto_init = Origin.__init__

    def init(self, origin: dict) -> None:
        moto_init(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId", "")
        if "S3OriginConfig" in origin:
            self.s3_origin_config = origin["S3OriginConfig"]

    patch.setattr(Origin, "__init__", init)


@pytest.fixture(scope="session")
def s3_server():
    """moto's server (S3, CloudFront…) on a loopback port: boto3 talks real HTTP to it."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as patch:
        moto_keeps_origin_access_controls(patch)
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        yield f"http://127.0.0.1:{port}"
        server.stop()


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Dummy credentials and a region, and no developer's AWS config leaking in."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
