"""Installs tf1seq; the metadata is in pyproject.toml (PEP 621)."""

import setuptools

setuptools.setup()
