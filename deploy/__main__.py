"""Command line: ``python -m deploy publish-frontend …`` and ``python -m deploy bundle …``."""

import argparse
import os
import sys
from pathlib import Path

import stripe
from botocore.exceptions import BotoCoreError, ClientError

from deploy import bundle, distribution, frontend, iam, publish, s3site, sitefiles, stripe_webhook

DESCRIPTION = """\
Deploy FrameSeller to AWS: the single-page site to a private S3 bucket behind CloudFront
(HTTPS), the API as an Elastic Beanstalk source bundle.

AWS credentials and the region come from boto3's usual chain (AWS_PROFILE,
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws/config, an instance role...).
`python -m deploy iam-policy` prints the least each identity needs.
"""

PUBLISH_EPILOG = """\
examples:
  python -m deploy publish-frontend --bucket frameseller-site-prod --region eu-west-1 \\
      --api-url https://api.example.com --stripe-publishable-key pk_live_... \\
      --alias shop.example.com --certificate-arn arn:aws:acm:us-east-1:...:certificate/...
  python -m deploy publish-frontend --bucket frameseller-site-prod ... --dry-run
  python -m deploy publish-frontend --bucket frameseller-site-test ... \\
      --stripe-publishable-key pk_test_... --website      # plain HTTP, public: test keys only

By default the bucket stays private (all public access blocked) and a CloudFront distribution
serves it over HTTPS through an Origin Access Control; both are found or created, and after each
publish / and /index.html are invalidated. It ends with the site's HTTPS address.

Only changed files are uploaded (MD5 against the S3 ETag, plus Content-Type and
Cache-Control); objects no longer in the build are deleted. Content-hashed assets get
"public, max-age=31536000, immutable", index.html (with the runtime settings written in) and
other files "no-cache".
"""

BUNDLE_EPILOG = """\
The zip holds manage.py, requirements.txt, Procfile, gunicorn.conf.py, .ebextensions/,
.platform/ and the Django apps, as the commit HEAD points at has them, plus a REVISION file;
never tests, the frontend, development tools, virtualenvs, databases or .env files. Its version
label is frameseller-<commit>. Files that ship with uncommitted changes stop it, unless
--allow-dirty (then the working tree is bundled and labelled -dirty-<time>).
Deploy it with `eb deploy --label <label>` (see docs/deploy.md).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deploy", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    _publish_frontend_command(commands)
    _bundle_command(commands)
    _iam_policy_command(commands)
    _stripe_webhook_command(commands)
    return parser


def _publish_frontend_command(commands) -> None:
    publish = commands.add_parser(
        "publish-frontend",
        help="build the site, write its settings into its page and publish it to S3 behind CloudFront (HTTPS)",
        description="Build frontend/dist, write the runtime settings into index.html, sync it all to a private "
        "S3 bucket and serve it over HTTPS from CloudFront.",
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
        "--alias",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="a domain name for the site (repeatable), e.g. shop.example.com; needs --certificate-arn",
    )
    publish.add_argument(
        "--certificate-arn", metavar="ARN", help="an ACM certificate in us-east-1 covering every --alias"
    )
    publish.add_argument(
        "--photos-url",
        metavar="URL",
        help="where the photos' thumbnails and previews are served from, when not from the site's own "
        "distribution (--media-bucket): for the page's Content-Security-Policy",
    )
    publish.add_argument(
        "--media-bucket",
        metavar="NAME",
        help="a private bucket whose previews/ and thumbs/ the distribution serves too (it must exist)",
    )
    publish.add_argument(
        "--price-class",
        default="PriceClass_100",
        choices=["PriceClass_100", "PriceClass_200", "PriceClass_All"],
        help="CloudFront edge locations, for a new distribution (default: %(default)s)",
    )
    publish.add_argument(
        "--website",
        action="store_true",
        help="instead of CloudFront: S3 website hosting over plain HTTP from a public bucket "
        "(test keys only; needs an account that allows public buckets)",
    )
    publish.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="an AWS-compatible server (S3 and CloudFront) instead of AWS: moto, LocalStack",
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


def _bundle_command(commands) -> None:
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
    zip_bundle.add_argument(
        "--allow-dirty",
        action="store_true",
        help="bundle the working tree when files that ship have uncommitted changes (labelled -dirty)",
    )
    zip_bundle.add_argument(
        "--quiet", action="store_true", help="print only the version label, e.g. for `eb deploy --label`"
    )
    zip_bundle.set_defaults(handler=make_bundle)


def _iam_policy_command(commands) -> None:
    policy = commands.add_parser(
        "iam-policy",
        help="print the IAM policy for publishing the site: the one-time bootstrap, or the publish that CI uses",
        description="Print an IAM policy (JSON) naming exactly the site's bucket(s) and distribution.",
        epilog=IAM_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    policy.add_argument("kind", choices=["bootstrap", "publish", "instance"], help="which policy")
    policy.add_argument("--account-id", required=True, type=account_id, metavar="ID", help="the 12-digit AWS account")
    policy.add_argument("--bucket", metavar="NAME", help="the site's bucket (bootstrap, publish)")
    policy.add_argument(
        "--media-bucket", metavar="NAME", help="the previews' and thumbnails' bucket (PHOTOS_PUBLIC_BUCKET)"
    )
    policy.add_argument(
        "--distribution-id", metavar="ID", help="the distribution the bootstrap made (publish only; it prints it)"
    )
    policy.add_argument("--originals-bucket", metavar="NAME", help="the originals' bucket (instance only)")
    policy.add_argument("--region", metavar="REGION", help="the environment's region (instance only)")
    policy.add_argument(
        "--ses-identity", metavar="DOMAIN", help="the SES identity receipts are sent from (instance only)"
    )
    policy.add_argument(
        "--secrets-prefix",
        default="frameseller/prod/",
        metavar="PREFIX",
        help="the names of the environment's secrets start so (instance only; default: %(default)s)",
    )
    policy.set_defaults(handler=print_policy)


IAM_EPILOG = """\
examples:
  python -m deploy iam-policy bootstrap --account-id 123456789012 --bucket frameseller-site-prod
  python -m deploy iam-policy publish --account-id 123456789012 --bucket frameseller-site-prod \\
      --distribution-id E2EXAMPLE1234
  python -m deploy iam-policy instance --account-id 123456789012 --region eu-west-1 \\
      --originals-bucket frameseller-originals-prod --media-bucket frameseller-media-prod \\
      --ses-identity shop.example.com

The bootstrap policy is for an administrator's first publish; the publish policy, for CI, cannot
create buckets, change a bucket policy or public access block, or reconfigure the distribution.
The instance policy is the API's instance profile's own: its secrets, its photos, its mail.
"""


WEBHOOK_EPILOG = """\
example:
  read -rsp 'sk_live_…: ' STRIPE_SECRET_KEY && export STRIPE_SECRET_KEY
  python -m deploy stripe-webhook --api-url https://api.example.com --region eu-west-1

It prints the secret's ARN: the value of the environment secret STRIPE_WEBHOOK_SECRET
(aws:elasticbeanstalk:application:environmentsecrets). Run it again after changing the API's address
or the events the API handles; it updates the endpoint and keeps the secret.
"""


def _stripe_webhook_command(commands) -> None:
    hook = commands.add_parser(
        "stripe-webhook",
        help="register (or update) the API's Stripe webhook endpoint and store its signing secret",
        description="Register the Stripe webhook endpoint for the API's URL (/api/stripe/webhook/) and store "
        "its signing secret in Secrets Manager as <prefix>STRIPE_WEBHOOK_SECRET. The Stripe key is read from "
        "STRIPE_SECRET_KEY.",
        epilog=WEBHOOK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    hook.add_argument("--api-url", required=True, metavar="URL", help="the API's base URL, https://api.example.com")
    hook.add_argument(
        "--secret-prefix",
        default="frameseller/prod/",
        metavar="PREFIX",
        help="the environment's secrets' names start so (default: %(default)s)",
    )
    hook.add_argument("--region", help="the region of the secret (default: from the environment or AWS config)")
    hook.add_argument("--replace", action="store_true", help="replace an endpoint whose secret is not stored")
    hook.add_argument("--endpoint-url", metavar="URL", help="an AWS-compatible server instead of AWS: moto")
    hook.add_argument(
        "--stripe-api-base", metavar="URL", help="a Stripe-compatible server instead of Stripe: the local emulator"
    )
    hook.set_defaults(handler=register_webhook)


def register_webhook(args: argparse.Namespace) -> stripe_webhook.Registered:
    key = os.environ.get("STRIPE_SECRET_KEY", "")
    if not key.startswith(("sk_", "rk_")):
        sys.exit("error: set STRIPE_SECRET_KEY to the account's secret key (sk_live_… or sk_test_…).")
    done = stripe_webhook.webhook_register(
        api_url=args.api_url,
        stripe_key=key,
        secret_prefix=args.secret_prefix,
        stripe_api_base=args.stripe_api_base,
        region=args.region,
        endpoint_url=args.endpoint_url,
        replace=args.replace,
    )
    print(f"STRIPE_WEBHOOK_SECRET: {done.secret_arn}")
    if done.created:
        print("A new secret: on a running environment, refresh it (docs/deploy.md, section 9, Changing a secret).")
    return done


def account_id(value: str) -> str:
    if len(value) != 12 or not value.isdigit():
        raise argparse.ArgumentTypeError("an AWS account id is 12 digits")
    return value


def print_policy(args: argparse.Namespace) -> dict:
    if args.kind == "instance":
        needed = ("originals_bucket", "media_bucket", "region", "ses_identity")
        missing = [f"--{name.replace('_', '-')}" for name in needed if not getattr(args, name)]
        if missing:
            sys.exit(f"error: the instance policy names its resources: give {', '.join(missing)}.")
        made = iam.instance_policy(
            account_id=args.account_id,
            region=args.region,
            originals_bucket=args.originals_bucket,
            media_bucket=args.media_bucket,
            ses_identity=args.ses_identity,
            secrets_prefix=args.secrets_prefix,
        )
        print(iam.policy_json(made), end="")
        return made
    if not args.bucket:
        sys.exit(f"error: the {args.kind} policy names the site's bucket: give --bucket.")
    if args.kind == "publish":
        if not args.distribution_id:
            sys.exit("error: the publish policy names the distribution: give --distribution-id.")
        made = iam.site_publish_policy(
            account_id=args.account_id,
            bucket=args.bucket,
            distribution_id=args.distribution_id,
            media_bucket=args.media_bucket,
        )
    else:
        made = iam.site_bootstrap_policy(account_id=args.account_id, bucket=args.bucket, media_bucket=args.media_bucket)
    print(iam.policy_json(made), end="")
    return made


def publish_frontend(args: argparse.Namespace) -> publish.PublishResult:
    if not args.skip_build and args.dist != frontend.DEFAULT_DIST:
        sys.exit("error: --dist DIR publishes an existing build: add --skip-build.")
    region = s3site.region_resolve(args.region)
    if args.website:
        if args.alias or args.certificate_arn or args.media_bucket:
            sys.exit("error: --alias, --certificate-arn and --media-bucket need CloudFront: drop --website.")
        site, site_url = None, s3site.website_url(bucket=args.bucket, region=region, endpoint_url=args.endpoint_url)
    else:
        site, site_url = site_to_serve(args, region), "https://"
    publish.live_key_refuse(stripe_publishable_key=args.stripe_publishable_key, site_url=site_url, api_url=args.api_url)

    dist = args.dist if args.skip_build else frontend.frontend_build()
    values = frontend.site_settings(
        api_base_url=args.api_url,
        stripe_publishable_key=args.stripe_publishable_key,
        stripe_js_url=args.stripe_js_url,
    )
    index = frontend.page_with_settings((dist / sitefiles.INDEX_DOCUMENT).read_bytes(), values)
    # CloudFront's managed headers policy carries no Content-Security-Policy: the page carries its own.
    index = frontend.page_with_policy(
        index, api_base_url=args.api_url, stripe_js_url=args.stripe_js_url, photos_url=args.photos_url
    )
    files = sitefiles.site_files(dist, index=index)
    size = sum(len(item.body) for item in files)
    print(f"Publishing {len(files)} file(s), {sitefiles.human_size(size)}, from {dist} to s3://{args.bucket}")
    if site is None:
        result = publish.site_publish_website(
            bucket=args.bucket, files=files, region=region, endpoint_url=args.endpoint_url, dry_run=args.dry_run
        )
    else:
        result = publish.site_publish_private(
            files=files, site=site, endpoint_url=args.endpoint_url, dry_run=args.dry_run
        )
    print(result.summary())
    if args.dry_run:
        print("Dry run: nothing was changed.")
    if result.distribution_id:
        print(f"CloudFront distribution: {result.distribution_id}")
    print(f"Site: {result.url}")
    return result


def site_to_serve(args: argparse.Namespace, region: str) -> distribution.Site:
    if bool(args.alias) != bool(args.certificate_arn):
        sys.exit("error: --alias and --certificate-arn go together (CloudFront serves a domain with its certificate).")
    if args.certificate_arn and not args.certificate_arn.startswith("arn:aws:acm:us-east-1:"):
        sys.exit("error: CloudFront takes ACM certificates from us-east-1 only: request it there.")
    return distribution.Site(
        bucket=args.bucket,
        region=region,
        aliases=tuple(args.alias),
        certificate_arn=args.certificate_arn,
        media_bucket=args.media_bucket,
        price_class=args.price_class,
    )


def make_bundle(args: argparse.Namespace) -> bundle.Bundle:
    made = bundle.bundle_build(output=args.output.resolve(), allow_dirty=args.allow_dirty)
    if args.quiet:
        print(made.label)
    else:
        print(f"Wrote {made.path}: {len(made.files)} files, {made.size / 1000:.1f} kB")
        print(f"Version label: {made.label}  (eb deploy --label {made.label})")
    return made


def main(argv: list[str] | None = None):
    """Run one command; return its result (for tests), exit non-zero with a message on failure."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (
        frontend.BuildError,
        publish.PublishRefused,
        bundle.DirtyTree,
        stripe_webhook.WebhookRefused,
        FileNotFoundError,
        PermissionError,
        RuntimeError,
    ) as error:
        sys.exit(f"error: {error}")
    except (BotoCoreError, ClientError) as error:
        sys.exit(f"error: AWS said: {error}")
    except stripe.StripeError as error:
        sys.exit(f"error: Stripe said: {error.user_message or error}")


if __name__ == "__main__":
    main()
