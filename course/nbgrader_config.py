"""nbgrader settings for the course. Run nbgrader commands from this folder (`cd course`).

The single source of every lesson is `source/<lesson>/<lesson>.ipynb`; `make notebooks`
generates the learner copies in `../notebooks/` from it with nbgrader's generate_assignment.
"""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "pkicourse"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# A lesson's cells may take up to 2 s; give autograding headroom on slow machines.
c.ExecutePreprocessor.timeout = 120
