"""Deployment tooling: the static site to S3, the API bundle for Elastic Beanstalk.

Run as ``python -m deploy --help``.
"""
