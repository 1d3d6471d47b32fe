"""``python -m fit``: see `fit.cli`."""

import sys

from .cli import main

sys.exit(main())
