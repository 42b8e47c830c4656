import sys

from fireriskmap.cli import main

sys.exit(main())
