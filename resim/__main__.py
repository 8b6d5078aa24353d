"""``python -m resim`` runs the command line."""

import sys

from resim.cli import main

sys.exit(main())
