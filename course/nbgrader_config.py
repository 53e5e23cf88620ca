"""nbgrader settings for the course. Run nbgrader commands from this folder (`cd course`).

The single source of every lesson is `source/<lesson>/<lesson>.ipynb`; `make notebooks`
generates the learner copies in `../notebooks/` from it with nbgrader's generate_assignment.
"""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "pkicourse"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# A lesson's cells take at most 2 s (an RSA-4096 key in a hidden test about 1 s): 30 s is ample
# headroom on a slow machine, and an endless loop costs 30 s, not 120. The class grader
# (`make grade`, docs/INSTRUCTORS.md) uses the same default.
c.Execute.timeout = 30
# A test cell the student deleted is put back from the source (nbgrader 0.9.6 and later).
c.OverwriteCells.add_missing_cells = True
