"""sparklearn: action-research helpers for Learning with SPARK.

Coding reflection sessions against the SPARK codebook, agreement between coders,
outcome harvests, one notebook per country run in batch, and a cross-country
comparison rendered as HTML reports.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sparklearn")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
