"""The nomenclature (both interpreters): the table is sound, versions apply from their date,
and fees follow tariff x rating x rank rate, rounded to the cent."""

from _sheets import TODAY, nurse_visit

from protocol import nomenclature, tariffs
from protocol import sheet_fields as F


def test_the_table_is_sound():
    ids = [v[0] for v in tariffs.VERSIONS]
    effective = [v[1] for v in tariffs.VERSIONS]
    assert ids == sorted(set(ids)) and effective == sorted(set(effective))
    for version, _, entries in tariffs.VERSIONS:
        seen = []
        for entry in entries:
            code, profession = entry[tariffs.CODE], entry[tariffs.PROFESSION]
            assert (code, profession) not in seen, (version, code)
            seen.append((code, profession))
            assert profession in F.PROFESSIONS, entry
            assert entry[tariffs.TARIFF] > 0, entry
            assert 0 < entry[tariffs.MIN_COEF] <= entry[tariffs.MAX_COEF], entry
            assert 1 <= len(code) <= 8 and code == code.upper(), entry
            assert all(32 <= ord(c) < 127 for c in entry[tariffs.LABEL]), entry
            if entry[tariffs.FLAGS] & tariffs.RANKED:
                assert entry[tariffs.MIN_COEF] < entry[tariffs.MAX_COEF], entry
            assert len(entry) in (7, 8) and (len(entry) == 7 or version >= 3), entry
            for first, after in entry[tariffs.HOURS] if len(entry) == 8 else ():
                assert 0 <= first < after <= 24, entry  # hours of one day, none twice
        print("version", version, "entries", len(entries))


def test_versions_apply_from_their_effective_date():
    first = tariffs.VERSIONS[0]
    assert nomenclature.version_at(first[1] - 1) is None
    assert nomenclature.version_at(first[1]) == first[0]
    assert nomenclature.version_at(TODAY) == nomenclature.versions()[-1]
    assert nomenclature.effective_date(first[0]) == first[1]
    assert nomenclature.effective_date(999) is None


def test_codes_depend_on_the_profession():
    nurse = nomenclature.codes(1, F.NURSE)
    doctor = nomenclature.codes(1, F.DOCTOR)
    print("nurse", nurse)
    print("doctor", doctor)
    assert "AMI" in nurse and "AMI" not in doctor and "VG" in doctor and "VG" not in nurse
    # The same code may have a different tariff per profession (mileage).
    ik_nurse = nomenclature.lookup(1, F.NURSE, "IK")
    ik_doctor = nomenclature.lookup(1, F.DOCTOR, "IK")
    assert ik_nurse is not None and ik_doctor is not None
    assert ik_nurse[tariffs.TARIFF] != ik_doctor[tariffs.TARIFF]
    assert nomenclature.lookup(1, F.DOCTOR, "AMI") is None
    assert nomenclature.has_code(1, "AMI") and not nomenclature.has_code(1, "XYZ")
    assert nomenclature.lookup(99, F.NURSE, "AMI") is None and nomenclature.codes(99, F.NURSE) == []


def test_fees_from_tariff_rating_and_rank():
    ami = nomenclature.lookup(1, F.NURSE, "AMI")
    ifd = nomenclature.lookup(1, F.NURSE, "IFD")
    ik = nomenclature.lookup(1, F.NURSE, "IK")
    t = ami[tariffs.TARIFF]
    assert nomenclature.fee(ami, 100, 1) == t
    # "AMI 1.5" (coef 150): 1.5 x tariff, half a cent rounded up when there is one.
    assert nomenclature.fee(ami, 150, 1) == (t * 3 + 1) // 2
    # The second act of the day is paid at half its rate (NGAP art. 11 B).
    assert nomenclature.fee(ami, 100, 2) == (t + 1) // 2
    assert nomenclature.fee(ami, 200, 2) == t
    # Fixed-price codes ignore rank; mileage is per km (coef = km x 100).
    assert nomenclature.fee(ifd, 100) == ifd[tariffs.TARIFF]
    assert nomenclature.fee(ik, 1250) == (ik[tariffs.TARIFF] * 25 + 1) // 2
    for coef in (50, 125, 150, 275, 1000, 3000):
        for rank in (1, 2):
            exact2 = ami[tariffs.TARIFF] * coef * tariffs.RANK_RATES[rank - 1]  # x 10000
            got = nomenclature.fee(ami, coef, rank)
            assert abs(got * 10000 - exact2) <= 5000, (coef, rank, got)
    assert nomenclature.rank_rate(3) is None and nomenclature.rank_rate(True) is None


def test_price_fills_the_acts_and_the_total():
    sheet = nurse_visit()
    for act in sheet.acts:
        act.fee = None
    sheet.fees = None
    nomenclature.price(sheet)
    assert sheet.fees == sum(a.fee for a in sheet.acts)
    print([(a.code, a.coef, a.fee) for a in sheet.acts], sheet.fees)
    sheet.acts[0].code = "XYZ"
    sheet.acts[0].fee = 1
    nomenclature.price(sheet)  # an unknown code keeps its fee, for the validator to report
    assert sheet.acts[0].fee == 1 and sheet.fees == 1 + sheet.acts[1].fee + sheet.acts[2].fee


def test_version_2_has_the_nurses_usual_codes_first_and_their_ratings():
    nurse = nomenclature.codes(2, F.NURSE)
    print("nurse v2", nurse)
    # The act menu's order: the nurse's usual codes first (favourites of the profession).
    assert nurse[:3] == ["AMI", "IFD", "IK"] and nomenclature.codes(2, F.DOCTOR)[0] == "VG"
    for code, cents in (
        ("AMI", 315),
        ("AIS", 265),
        ("IFD", 275),
        ("BSA", 1300),
        ("BSB", 1820),
        ("BSC", 2870),
        ("MAU", 135),
        ("MCI", 500),
        ("N", 915),
        ("NP", 1830),
        ("F", 850),
        ("IK", 35),
    ):
        entry = nomenclature.lookup(2, F.NURSE, code)
        assert entry is not None and entry[tariffs.TARIFF] == cents, code
    # The surcharges of a nurse's night and Sunday need a prescription (NGAP art. 14 B).
    for code in ("N", "NP", "F", "BSA"):
        assert nomenclature.lookup(2, F.NURSE, code)[tariffs.FLAGS] & tariffs.PRESCRIBED
    # The doctor's night codes keep distinct labels (MD, MN, MM no longer all "Majoration").
    labels = [nomenclature.lookup(2, F.DOCTOR, c)[tariffs.LABEL] for c in ("MD", "MN", "MM")]
    assert len(set(labels)) == 3 and not [x for x in labels if x.startswith("Majoration")]
    assert nomenclature.version_at(20251231) == 1 and nomenclature.version_at(20260101) == 2


def test_version_3_adds_the_nurses_other_usual_codes_and_keeps_version_2():
    nurse = nomenclature.codes(3, F.NURSE)
    print("nurse v3", nurse)
    # Version 2's codes first, in its order (the act menu's keys stay where they were).
    assert nurse[: len(nomenclature.codes(2, F.NURSE))] == nomenclature.codes(2, F.NURSE)
    assert nomenclature.codes(3, F.DOCTOR) == nomenclature.codes(2, F.DOCTOR)
    for code, cents, low, high in (
        ("AMX", 315, 50, 3000),  # as AMI (avenant 6)
        ("MIE", 315, 100, 100),
        ("IKM", 50, 100, 30000),  # per km, mountain
        ("IKS", 340, 100, 30000),  # per km, on foot or on skis
        ("DI", 1000, 120, 250),  # DI 1,2 (renewal) to DI 2,5 (initial nursing assessment)
        ("N", 915, 100, 100),
        ("NP", 1830, 100, 100),
        ("F", 850, 100, 100),
        ("MAU", 135, 100, 100),
        ("MCI", 500, 100, 100),
    ):
        entry = nomenclature.lookup(3, F.NURSE, code)
        assert entry is not None, code
        assert (entry[tariffs.TARIFF], entry[tariffs.MIN_COEF], entry[tariffs.MAX_COEF]) == (
            cents,
            low,
            high,
        ), code
        assert len("%s %s" % (code, entry[tariffs.LABEL])) <= 16, entry  # a menu line
    for code in ("IKM", "IKS", "AMX", "MIE", "DI"):
        assert nomenclature.lookup(2, F.NURSE, code) is None, code  # version 2 unchanged
    # AMX is ranked like AMI (NGAP art. 11 B applies to it); 12 km on skis is 40,80 EUR.
    amx = nomenclature.lookup(3, F.NURSE, "AMX")
    assert amx[tariffs.FLAGS] & tariffs.RANKED and nomenclature.fee(amx, 200, 2) == 315
    assert nomenclature.fee(nomenclature.lookup(3, F.NURSE, "IKS"), 1200) == 4080
    assert nomenclature.fee(nomenclature.lookup(3, F.NURSE, "IKM"), 750) == 375
    assert nomenclature.fee(nomenclature.lookup(3, F.NURSE, "DI"), 250) == 2500
    assert "IKM" in tariffs.PER_KM and "IKS" in tariffs.PER_KM and "IK" in tariffs.PER_KM
    # The night surcharges carry their hours; the others none.
    hours = {}
    for entry in tariffs.VERSIONS[2][2]:
        if len(entry) > tariffs.HOURS:
            hours[(entry[tariffs.CODE], entry[tariffs.PROFESSION])] = entry[tariffs.HOURS]
    assert hours == {
        ("N", F.NURSE): ((20, 23), (5, 8)),
        ("NP", F.NURSE): ((23, 24), (0, 5)),
        ("MN", F.DOCTOR): ((20, 24), (6, 8)),
        ("MM", F.DOCTOR): ((0, 6),),
    }
    assert nomenclature.version_at(20261031) == 2 and nomenclature.version_at(20261101) == 3
