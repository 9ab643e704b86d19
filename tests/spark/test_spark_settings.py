"""The `[spark]` settings: master and properties from the settings file, the master overridable by
MCO_SPARK_MASTER, and misspelt or malformed entries refused (pipelines/settings.py)."""

import pytest

from pipelines.errors import ObservatoryError
from pipelines.settings import SparkSettings, load

pytestmark = pytest.mark.unit


def _config(tmp_path, text: str) -> dict[str, str]:
    path = tmp_path / "observatory.toml"
    path.write_text(text, encoding="utf-8")
    return {"MCO_CONFIG": str(path)}


def test_default_is_spark_submit_or_local(tmp_path):
    assert load(_config(tmp_path, "")).spark == SparkSettings(master="", app_name="mco-build", conf=())


def test_master_and_properties_from_the_file(tmp_path):
    text = (
        '[spark]\nmaster = "spark://m:7077"\n[spark.conf]\n"spark.executor.memory" = "8g"\n"a.flag" = true\n'
    )
    spark = load(_config(tmp_path, text)).spark
    assert spark.master == "spark://m:7077"
    assert spark.conf == (("a.flag", "true"), ("spark.executor.memory", "8g"))


def test_the_environment_overrides_the_master(tmp_path):
    env = {**_config(tmp_path, '[spark]\nmaster = "local[2]"\n'), "MCO_SPARK_MASTER": " yarn "}
    assert load(env).spark.master == "yarn"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[spark]\nmastr = "local"\n', "unknown spark setting"),
        ('[spark]\nconf = "x"\n', "conf must be a table"),
        ("[spark.conf]\nx = [1]\n", "conf must be a table"),
    ],
)
def test_a_misspelt_or_malformed_spark_setting_is_an_error(tmp_path, text, message):
    with pytest.raises(ObservatoryError, match=message):
        load(_config(tmp_path, text))
