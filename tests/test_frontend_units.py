"""The site's own unit tests (node's test runner, frontend/test/), run with the suite."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"


def test_the_sites_unit_tests_pass():
    """`npm test` in frontend/: the payment state of the checkout, without a browser."""
    npm = shutil.which("npm")
    if not npm:
        reason = "npm is not installed: the site's unit tests (frontend/test/) did not run"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: they must run)")
        pytest.skip(reason)

    result = subprocess.run(
        [npm, "test", "--silent"], cwd=FRONTEND, capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout, result.stdout
