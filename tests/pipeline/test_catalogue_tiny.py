"""Hand-built cases for the tricky definitions of the catalogue: stack types, employment gain, medians."""

import duckdb
import pytest

from pipelines.build import build
from pipelines.indicators.engine import compute
from tests.tiny import TINY, write_tiny

pytestmark = pytest.mark.build

CREDENTIALS = TINY["credentials.csv"] + (
    "C3,P1,Data advanced,x,,06,6,5,,online,digital_badge,exam,,external,,,,,,2019-01-01,,\n"
    "C4,P1,Data team lead,x,,06,6,5,,online,digital_badge,exam,,external,,,,,,2019-01-01,,\n"
    "C5,P1,Care basics,x,,09,4,5,,online,digital_badge,exam,,external,,,,,,2019-01-01,,\n"
)
# learner 1: C1 (06, EQF 5) -> C3 (06, EQF 6) vertical -> C4 (06, EQF 6) horizontal -> C5 (09) complementary
AWARDS = (
    TINY["awards.csv"].splitlines()[0]
    + "\n"
    + "\n".join(
        f"{a},{c},NL-000000001,{d},digital_badge,OB3,true,new_learning,issued,,"
        for a, c, d in (
            ("B1", "C1", "2020-01-10"),
            ("B2", "C3", "2020-07-10"),
            ("B3", "C4", "2021-01-10"),
            ("B4", "C5", "2021-07-10"),
        )
    )
    + "\n"
)
OUTCOMES = (
    TINY["employment_outcomes.csv"].splitlines()[0]
    + "\n"
    + (
        "O1,NL-000000001,,2019-06-01,,true,unemployed,,,,\n"
        "O2,NL-000000001,B1,2021-01-10,12,false,employed,3000,,,true\n"
        "O3,jan@example.org,,2019-06-01,,true,employed,,,,\n"
    )
)


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    files = {
        **TINY,
        "credentials.csv": CREDENTIALS,
        "awards.csv": AWARDS,
        "employment_outcomes.csv": OUTCOMES,
        "pathway_events.csv": TINY["pathway_events.csv"].splitlines()[0] + "\n",
        "verifications.csv": "verification_id;award_id;verification_date;verifier_type\n",
    }
    raw = write_tiny(tmp_path_factory.mktemp("cat"), files)
    wh = tmp_path_factory.mktemp("catwh") / "w.duckdb"
    build(raw, wh, gate=False)
    con = duckdb.connect(str(wh), read_only=True)
    frame = compute(con, by="overall")
    con.close()
    return {r["indicator_id"]: r for r in frame.iter_rows(named=True)}


def test_three_stack_types(values):
    for ind in ("FLX-2v", "FLX-2h", "FLX-2c"):
        assert values[ind]["numerator"] == 1 and values[ind]["denominator"] == 3, ind


def test_median_months_between_awards(values):
    # gaps of 182, 184 and 181 days; the median is 182 days
    assert values["FLX-7"]["value"] == pytest.approx(182 / 30.4375)
    assert values["FLX-7"]["denominator"] == 3


def test_employment_gain_against_the_same_learners_baseline(values):
    # learner 1: unemployed at baseline, employed 12 months after B1: +100 pp; jan has no 12-month figure
    assert values["OUT-2"]["numerator"] == 1 and values["OUT-2"]["denominator"] == 1
    assert values["OUT-2"]["value"] == pytest.approx(100.0)
    assert values["OUT-1b"]["value"] == pytest.approx(100.0)
