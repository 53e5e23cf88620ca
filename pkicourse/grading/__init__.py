"""Grade a whole class in one command: ``pkicourse-grade SUBMISSIONS`` (or ``make grade``).

For instructors, not learners: it needs nbgrader (``pip install -e ".[grade]"``). The pipeline
releases every lesson into a private folder, checks each submission and sets bad ones aside
with a reason (``intake``), autogrades in parallel with a kernel that cannot reach the
gradebook or the solutions and whose IPython hooks are reset before every test (``execute``),
then writes one gradebook row per student (``run``). docs/INSTRUCTORS.md is the guide.
"""
