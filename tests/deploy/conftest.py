"""Helpers for the deployment tests (the local AWS server, s3_server and aws_env, is in tests/conftest.py)."""

from devtools.emulator_process import free_port

__all__ = ["free_port"]
