"""ZipMembers: a bulk download's members read in name order without keeping a ZipInfo each.

Core tests: the archives are written here, from small records of our own.
"""

from __future__ import annotations

import gc
import tracemalloc
import zipfile
from pathlib import Path

import orjson
import pytest

from trialkg.exceptions import RecordError
from trialkg.sources import read_paths
from trialkg.sources.zip_members import ZipMembers


def study(nct: str, sponsor: str) -> bytes:
    return orjson.dumps({"protocolSection": {
        "identificationModule": {"nctId": nct, "briefTitle": f"Study {nct}"},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": sponsor}},
    }})


def test_members_in_name_order_whatever_their_compression(tmp_path: Path) -> None:
    path = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("ctg-studies/NCT00000003.json", study("NCT00000003", "Três Sponsor"),
                   compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("ctg-studies/", b"")  # a folder entry
        z.writestr("ctg-studies/README.txt", b"not a study")
        z.writestr("ctg-studies/NCT00000001.json", study("NCT00000001", "First Sponsor"),
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("ctg-studies/é/NCT00000002.json", study("NCT00000002", "Second Sponsor"),
                   compress_type=zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(path) as archive:
        members = ZipMembers(archive, ".json")
        assert archive.namelist() == []  # the archive's own ZipInfo objects are let go
        assert len(members) == 3
        names = [m.filename for m in members]
        assert names == ["ctg-studies/NCT00000001.json", "ctg-studies/NCT00000003.json",
                         "ctg-studies/é/NCT00000002.json"]
        sponsors = [orjson.loads(members.read(m))["protocolSection"]
                    ["sponsorCollaboratorsModule"]["leadSponsor"]["name"] for m in members]
        assert sponsors == ["First Sponsor", "Três Sponsor", "Second Sponsor"]

    studies = [s for s in read_paths([path]) if not isinstance(s, RecordError)]
    assert [(s.trial_id, s.lead_sponsor.name if s.lead_sponsor else None) for s in studies] == [
        ("NCT00000001", "First Sponsor"), ("NCT00000003", "Três Sponsor"),
        ("NCT00000002", "Second Sponsor")]


def test_a_corrupt_member_is_one_error_and_the_rest_still_read(tmp_path: Path) -> None:
    path = tmp_path / "studies.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("NCT00000001.json", study("NCT00000001", "First Sponsor"))
        z.writestr("NCT00000002.json", study("NCT00000002", "Second Sponsor"))
    data = bytearray(path.read_bytes())
    at = data.index(b"Second Sponsor")
    data[at : at + 6] = b"SECOND"  # same length: only the CRC check can tell
    path.write_bytes(bytes(data))
    items = list(read_paths([path]))
    errors = [str(x) for x in items if isinstance(x, RecordError)]
    assert [x.trial_id for x in items if not isinstance(x, RecordError)] == ["NCT00000001"]
    assert len(errors) == 1
    assert "studies.zip!NCT00000002.json" in errors[0] and "Bad CRC-32" in errors[0]


@pytest.mark.slow
def test_twenty_thousand_members_cost_a_fifth_of_zipfiles_objects(
    tmp_path: Path,
) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for n in range(20_000):
            z.writestr(f"ctg-studies/NCT9{n:07d}.json", b"{}")

    def held(keep: bool) -> int:
        gc.collect()
        tracemalloc.start()
        try:
            archive = zipfile.ZipFile(path)
            kept = ZipMembers(archive, ".json") if keep else archive
            gc.collect()
            size = tracemalloc.get_traced_memory()[0]
            assert kept is not None
            return size
        finally:
            tracemalloc.stop()

    whole, compact = held(False), held(True)
    assert whole > 20_000 * 400  # zipfile: hundreds of bytes a member
    assert compact < whole / 5
    assert compact < 20_000 * 80  # name, end, offset, sizes, CRC, method, flags
