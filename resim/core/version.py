"""The version of resim (read by pyproject.toml without importing the package)."""

__version__ = "0.3.0"
