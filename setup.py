"""Build hook for `scrapyd-deploy`, which runs `setup.py bdist_egg`.

All metadata, packages and package data (the bundled registry YAML) live in
pyproject.toml; without this file scrapyd-deploy would write its own
setup.py that leaves the package data out of the egg.
"""

from setuptools import setup

setup()
