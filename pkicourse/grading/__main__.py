import sys

from pkicourse.grading.cli import main

sys.exit(main())
