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
    [
        st.Page(
            _HERE / "views" / "overview.py", title="Overview", icon=":material/monitoring:", default=True
        ),
        st.Page(_HERE / "views" / "adoption.py", title="Adoption", icon=":material/trending_up:"),
        st.Page(_HERE / "views" / "trust.py", title="Trust", icon=":material/verified:"),
        st.Page(_HERE / "views" / "transparency.py", title="Transparency", icon=":material/visibility:"),
        st.Page(_HERE / "views" / "innovation.py", title="Innovation", icon=":material/lightbulb:"),
        st.Page(_HERE / "views" / "flexibility.py", title="Flexibility", icon=":material/route:"),
        st.Page(_HERE / "views" / "outcomes.py", title="Labour-market outcomes", icon=":material/work:"),
        st.Page(_HERE / "views" / "inclusion.py", title="Inclusion", icon=":material/diversity_3:"),
        st.Page(_HERE / "views" / "programmes.py", title="Programmes", icon=":material/compare_arrows:"),
        st.Page(_HERE / "views" / "downloads.py", title="Data downloads", icon=":material/download:"),
        st.Page(_HERE / "views" / "data_quality.py", title="Data quality", icon=":material/fact_check:"),
        st.Page(_HERE / "views" / "methodology.py", title="Methodology", icon=":material/menu_book:"),
    ],
    position="top",
)
page.run()
