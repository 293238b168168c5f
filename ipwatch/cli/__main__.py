"""`python -m ipwatch.cli`."""

import sys

from ipwatch.cli import main

sys.exit(main())
