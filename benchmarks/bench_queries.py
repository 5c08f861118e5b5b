import sys, time, statistics, pyoxigraph as ox
from trialkg.queries import QueryLibrary, bound_text
from trialkg.iris import PREFIXES
st = ox.Store.read_only("/tmp/s1k")
lib = QueryLibrary.default()
T="NCT90000932"
SPECS = [
 ("trials-by-sponsor", dict(sponsor="Bayer")),
 ("trials-by-sponsor", dict(sponsor="Bayer", role="lead")),
 ("trials-by-condition", dict(condition="D003920", descendants="true")),
 ("trials-by-condition", dict(condition="D003920", descendants="false")),
 ("trials-by-drug", dict(drug="D016190", descendants="true")),
 ("trials-by-drug", dict(drug="D016190", descendants="false")),
 ("trials-by-drug-name", dict(drug="semaglutide")),
 ("timeline", dict(condition="D003920")),
 ("timeline", dict(drug="D016190", descendants="false")),
 ("eligibility-for-condition", dict(condition="D003920")),
 ("trial-card", dict(trial=T)),
 ("trial-in-graph", dict(trial=T)),
 ("trial-outcomes", dict(trial=T)),
 ("primary-outcome-results", dict(trial=T)),
 ("sites-by-country", dict(trial=T)),
 ("similar-trials", dict(trial=T)),
 ("adverse-events-for-drug", dict(intervention="D016190")),
 ("response-rates", dict(intervention="D016190")),
 ("imatinib-dfsp-desmoid", dict()),
 ("trials-with-results", dict(sponsor="Bayer")),
 ("trials-by-phase-status", dict(phase="3", status="completed")),
 ("phase-status-counts", dict()),
 ("enrollment-by-phase", dict()),
 ("enrollment-by-phase", dict(status="completed")),
 ("sponsor-collaborations", dict()),
 ("sponsor-collaborations", dict(sponsor="Bayer")),
 ("sites-by-country", dict()),
 ("trials-with-results-by-phase", dict()),
 ("trials-lacking-mesh", dict()),
 ("drug-condition-cooccurrence", dict()),
 ("trials-with-results", dict()),
]
only = set(sys.argv[2:]); skip=int(sys.argv[1]) if len(sys.argv)>1 else 0; SPECS=SPECS[skip:]
for name, p in SPECS:
    if only and name not in only: continue
    q = lib.get(name)
    try: text = bound_text(q, p)
    except Exception as e: print(f"{name}\t{p}\tERR {e}", flush=True); continue
    times=[]; n=None
    for i in range(5):
        t0=time.perf_counter(); r=st.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
        n = bool(r) if isinstance(r,(bool,ox.QueryBoolean)) else len(list(r))
        times.append(time.perf_counter()-t0)
        if sum(times)>6: break
    ps=" ".join(f"{k}={v}" for k,v in p.items())
    print(f"{name}\t{ps}\t{n}\t{statistics.median(times)*1000:.0f}", flush=True)
