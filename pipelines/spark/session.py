"""The Spark session the build runs on: one per process, from the `[spark]` settings.

A local session takes about 20 s to start; builds in the same process (a test run, a benchmark) reuse
it. pyspark and Java are needed only here: `mco build` on DuckDB never imports this module.
"""

from __future__ import annotations

import os
import shutil

from pipelines.errors import BuildFailed
from pipelines.settings import SparkSettings, settings

# Fixed so both engines compute the same: ANSI SQL semantics (errors, not silent nulls, on overflow or
# a bad cast), sizes of null arrays null (as DuckDB's len), UTC dates, Parquet timestamps DuckDB reads.
BASE_CONF = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.legacy.sizeOfNull": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    # Defaults for a small local machine (Spark's 200 shuffle partitions are many tiny tasks there); a
    # cluster sets its own in [spark] conf, which overrides these.
    "spark.sql.shuffle.partitions": "8",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}
LOCAL = "local[*]"
_session = None
_started_with: SparkSettings | None = None


def java_missing() -> bool:
    return shutil.which("java") is None and not os.environ.get("JAVA_HOME")


def spark_session(found: SparkSettings | None = None):
    """The process's Spark session for `found` (default: the settings' `[spark]`); started on first use."""
    global _session, _started_with
    found = found or settings().spark
    if _session is not None and _started_with == found:
        return _session
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise BuildFailed(
            "the Spark engine needs pyspark (`make install` installs it; or pip install pyspark)"
        ) from None
    if java_missing():
        raise BuildFailed(
            "the Spark engine needs Java 17 or later: install it (Debian: apt-get install "
            "default-jre-headless) or set JAVA_HOME"
        )
    if _session is not None:
        _session.stop()
    builder = SparkSession.builder.appName(found.app_name)
    master = found.master or ("" if os.environ.get("PYSPARK_GATEWAY_PORT") else LOCAL)
    if master:  # else: under spark-submit, which set the master (and the rest) on the JVM it started
        builder = builder.master(master)
    for key, value in {**BASE_CONF, **dict(found.conf)}.items():
        builder = builder.config(key, value)
    try:
        _session = builder.getOrCreate()
    except Exception as exc:  # py4j/JVM start-up errors have no common base class
        raise BuildFailed(
            f"Spark did not start on master {master or '(spark-submit)'}: {str(exc).splitlines()[0]}"
        ) from None
    _session.sparkContext.setLogLevel("ERROR")
    _started_with = found
    return _session
