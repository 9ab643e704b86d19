"""The quality gate: Great Expectations suites generated from the contracts, and the gate that runs them."""

import warnings

# Great Expectations imports pyspark whenever it is installed (the Spark engine's dependency), and pyspark
# warns on import that it does not fully support pandas 3. The warning is about Spark's pandas API, which
# the gate never uses; left alone it would print on every build.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
