import sys

from hub.reference.pages import main

sys.exit(main())
