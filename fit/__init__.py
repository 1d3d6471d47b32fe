"""fit: global fits of BSM models from one YAML file.

The public API for writing providers and reading results:

    from fit import provider, likelihood, InvalidPoint, PartlyInvalid
    from fit.results import load
"""

from .errors import ConfigError, FitError, InvalidPoint
from .providers import PartlyInvalid, likelihood, provider

__version__ = "0.1.0"

__all__ = [
           "ConfigError",
           "FitError",
           "InvalidPoint",
           "PartlyInvalid",
           "__version__",
           "likelihood",
           "provider",
]
