"""Parameters that make each stored query answer on the real API v2 records of ../shared.

The queries' header examples are chosen for the bundled graph (the seven imatinib/DFSP/desmoid
studies a new user has; tests/queries/test_examples.py), so tests that run every stored
query on the real records take their values from here: the former header examples, each
picked from those records. A query not listed uses its header example.
"""

from __future__ import annotations

from typing import Any

REAL_RECORD_PARAMS: dict[str, dict[str, str]] = {
    "adverse-events-for-drug": {'intervention': 'D000068582', 'serious': 'true'},
    "eligibility-for-condition": {'condition': 'D003924'},
    "primary-outcome-results": {'trial': 'NCT02552212'},
    "response-rates": {'intervention': 'D000068582', 'condition': 'D000089183'},
    "similar-trials": {'trial': 'NCT04267848'},
    "sites-by-country": {'trial': 'NCT04267848'},
    "sponsor-collaborations": {'sponsor': 'Bayer'},
    "timeline": {'condition': 'D003924'},
    "trial-card": {'trial': 'NCT04267848'},
    "trial-in-graph": {'trial': 'NCT04267848'},
    "trial-outcomes": {'trial': 'NCT04267848'},
    "trials-by-condition": {'condition': 'D003920', 'descendants': 'true'},
    "trials-by-drug-name": {'drug': 'semaglutide'},
    "trials-by-drug": {'drug': 'D000072471', 'descendants': 'true'},
    "trials-by-phase-status": {'phase': '3', 'status': 'completed'},
    "trials-by-sponsor": {'sponsor': 'AstraZeneca', 'role': 'lead'},
    "trials-with-results": {'sponsor': 'gilead'},
    "trials": {'status': 'completed', 'phase': '3'},
}


def real_record_params(query: Any) -> dict[str, str]:
    """The values to run ``query`` (a StoredQuery) with on the real records."""
    if query.name in REAL_RECORD_PARAMS:
        return dict(REAL_RECORD_PARAMS[query.name])
    return dict(query.example_values())
