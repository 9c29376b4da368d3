"""Fixtures for the orders tests: the deployment tests' local S3 server (moto), for the S3 download path."""

from tests.deploy.conftest import aws_env, s3_server  # noqa: F401 - fixtures
