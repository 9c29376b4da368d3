"""Command line: ``python -m deploy publish-frontend …`` and ``python -m deploy bundle …``."""

import argparse
import sys
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from deploy import bundle, frontend, s3site

DESCRIPTION = """\
Deploy FrameSeller to AWS: the single-page site to an S3 bucket with website hosting,
the API as an Elastic Beanstalk source bundle.

AWS credentials and the region come from boto3's usual chain (AWS_PROFILE,
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws/config, an instance role...).
deploy/iam-policy.json is the least the publishing identity needs.
"""

PUBLISH_EPILOG = """\
examples:
  python -m deploy publish-frontend --bucket frameseller-site --region eu-west-1 \\
      --api-url https://api.example.com --stripe-publishable-key pk_live_... --public
  python -m deploy publish-frontend --bucket frameseller-site ... --dry-run

Only changed files are uploaded (MD5 against the S3 ETag, plus Content-Type and
Cache-Control); objects no longer in the build are deleted. Content-hashed assets get
"public, max-age=31536000, immutable", index.html, config.js and other files "no-cache".
"""

BUNDLE_EPILOG = """\
The zip holds manage.py, requirements.txt, Procfile, gunicorn.conf.py, .ebextensions/,
.platform/ and the Django apps: only files git tracks or would track, never tests, the
frontend, virtualenvs, databases or .env files. Deploy it with `eb deploy` (see README)
or upload it as a new application version.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deploy", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    publish = commands.add_parser(
        "publish-frontend",
        help="build the site, write config.js and publish both to an S3 website bucket",
        description="Build frontend/dist, write config.js, and sync it all to an S3 bucket served as a website.",
        epilog=PUBLISH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    publish.add_argument("--bucket", required=True, metavar="NAME", help="S3 bucket name (created when missing)")
    publish.add_argument("--region", help="AWS region (default: from the environment or AWS config, else us-east-1)")
    publish.add_argument(
        "--api-url", required=True, metavar="URL", help="the API's base URL, e.g. https://api.example.com"
    )
    publish.add_argument(
        "--stripe-publishable-key", required=True, metavar="pk_…", help="Stripe publishable key for Stripe.js"
    )
    publish.add_argument(
        "--stripe-js-url",
        default=frontend.DEFAULT_STRIPE_JS_URL,
        metavar="URL",
        help="where the site loads Stripe.js from (default: %(default)s)",
    )
    publish.add_argument(
        "--public",
        action="store_true",
        help="allow public bucket policies on the bucket and grant everyone s3:GetObject",
    )
    publish.add_argument(
        "--endpoint-url", metavar="URL", help="an S3-compatible server instead of AWS (MinIO, moto, LocalStack)"
    )
    publish.add_argument(
        "--dist",
        type=Path,
        default=frontend.DEFAULT_DIST,
        metavar="DIR",
        help="a built site to publish with --skip-build (default: frontend/dist)",
    )
    publish.add_argument("--skip-build", action="store_true", help="publish --dist as it is, without npm")
    publish.add_argument("--dry-run", action="store_true", help="print what would be done, change nothing")
    publish.set_defaults(handler=publish_frontend)

    zip_bundle = commands.add_parser(
        "bundle",
        help="build the Elastic Beanstalk source bundle (a zip)",
        description="Build the Elastic Beanstalk source bundle of the API.",
        epilog=BUNDLE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    zip_bundle.add_argument(
        "--output",
        type=Path,
        default=bundle.DEFAULT_OUTPUT,
        metavar="FILE.zip",
        help="where to write it (default: build/frameseller-bundle.zip)",
    )
    zip_bundle.set_defaults(handler=make_bundle)
    return parser


def publish_frontend(args: argparse.Namespace) -> s3site.PublishResult:
    if args.skip_build:
        dist = args.dist
    elif args.dist != frontend.DEFAULT_DIST:
        sys.exit("error: --dist DIR publishes an existing build: add --skip-build.")
    else:
        dist = frontend.frontend_build()
    config = frontend.config_js(
        api_base_url=args.api_url,
        stripe_publishable_key=args.stripe_publishable_key,
        stripe_js_url=args.stripe_js_url,
    )
    files = s3site.site_files(dist, config=config)
    size = sum(len(item.body) for item in files)
    print(f"Publishing {len(files)} file(s), {s3site.human_size(size)}, from {dist} to s3://{args.bucket}")
    result = s3site.site_publish(
        bucket=args.bucket,
        files=files,
        region=args.region,
        endpoint_url=args.endpoint_url,
        public=args.public,
        dry_run=args.dry_run,
    )
    print(result.summary())
    if args.dry_run:
        print("Dry run: nothing was changed.")
    print(f"Site: {result.url}")
    return result


def make_bundle(args: argparse.Namespace) -> bundle.Bundle:
    made = bundle.bundle_build(output=args.output.resolve())
    print(f"Wrote {made.path}: {len(made.files)} files, {made.size / 1000:.1f} kB")
    return made


def main(argv: list[str] | None = None):
    """Run one command; return its result (for tests), exit non-zero with a message on failure."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (frontend.BuildError, FileNotFoundError, PermissionError) as error:
        sys.exit(f"error: {error}")
    except (BotoCoreError, ClientError) as error:
        sys.exit(f"error: AWS said: {error}")


if __name__ == "__main__":
    main()
