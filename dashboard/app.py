"""Dashboard entry point: page setup and navigation only; each page lives in `views/`.

Not `pages/`: Streamlit would also run a folder of that name as pages of its own (breaking deep links).

Run with `streamlit run dashboard/app.py`; the warehouse is read from `MCO_WAREHOUSE` (see data.py).
"""

import sys
from pathlib import Path

import streamlit as st

_HERE = Path(__file__).resolve().parent
# `streamlit run dashboard/app.py` puts only dashboard/ on sys.path; pages import the repo's packages.
if str(_HERE.parent) not in sys.path:
    sys.path.insert(0, str(_HERE.parent))

from dashboard.pages import PAGES  # noqa: E402  (after the path above)
from dashboard.widgets import synthetic_banner  # noqa: E402

st.set_page_config(
    page_title="Microcredential Observatory",
    page_icon=":material/school:",
    layout="wide",
    menu_items={
        "About": "**Microcredential Observatory**: is the micro-credential ecosystem working? "
        "Indicators of adoption, trust, transparency, innovation and flexibility.",
    },
)

st.logo(_HERE / "assets" / "logo.svg", size="large")
page = st.navigation(
    [st.Page(_HERE / p.file, title=p.title, icon=p.icon, default=p.default) for p in PAGES],
    position="top",
)
synthetic_banner()  # every page: a warehouse of generated data says so before anything else
page.run()
