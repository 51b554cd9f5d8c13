"""pyproject.toml declares its licence the way current setuptools wants (issue 19, item 1):
an SPDX expression string, not the deprecated `{text = ...}` table that makes every
`pip install` print a deprecation warning."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_license_is_an_spdx_string():
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["license"] == "Apache-2.0"


def test_the_build_backend_understands_spdx_licences():
    requires = tomllib.loads(PYPROJECT.read_text())["build-system"]["requires"]
    setuptools = next(r for r in requires if r.startswith("setuptools"))
    version = re.fullmatch(r"setuptools>=(\d+)(?:\.\d+)*", setuptools)
    assert version and int(version.group(1)) >= 77  # PEP 639 license strings
