"""Dump Denmark's CVR companies for the directory's import (register dk_cvr).

    CVR_USER=... CVR_PASSWORD=... python3 scripts/registers/dump_dk_cvr.py cvr_virksomheder.jsonl.gz
    python3 scripts/registers/dump_dk_cvr.py OUTPUT.jsonl.gz --from-responses page1.json page2.json...

CVR has no download: Erhvervsstyrelsen (the Danish Business Authority) gives
its data through "system-til-system adgang", an Elasticsearch index read
with a user name and password it hands out free of charge once its terms are
accepted (https://datacvr.virk.dk/artikel/system-til-system-adgang-til-cvr-data).
This script reads every company document (``Vrvirksomhed``) of
``/cvr-permanent/virksomhed/_search`` with the scroll API, 3,000 a page,
and writes each search hit on one line of a gzipped file: what the import
reads (it also accepts a line holding only ``_source`` or the
``Vrvirksomhed`` object). Only the fields the import reads are asked for
(``_source`` filtering), which keeps the dump a fraction of the full
documents. Nothing is kept on disk but the output, written to OUTPUT.part
and renamed when complete: an interrupted dump leaves no file to import by
mistake.

The terms bind whoever holds the data: companies marked ``reklamebeskyttet``
must not be contacted for advertising; the import keeps the field and never
delivers them. A document lacking the field makes the import refuse the
file, so this script never drops it.

``--from-responses``: convert scroll responses saved as JSON files (the
same JSON the service answers) instead of asking the service, e.g. to
check a dump made by other means. Standard library only: runs with any
Python 3.8+.
"""
import argparse
import base64
import gzip
import json
import os
import sys
import urllib.request

URL = "http://distribution.virk.dk/cvr-permanent/virksomhed/_search"
PAGE_SIZE = 3000
SCROLL = "5m"
# What the import reads (tools/registers/dk_cvr.py): the current values CVR
# computes in virksomhedMetadata, the number and the advertising protection.
FIELDS = [
    "Vrvirksomhed.cvrNummer",
    "Vrvirksomhed.reklamebeskyttet",
    "Vrvirksomhed.virksomhedMetadata.nyesteNavn.navn",
    "Vrvirksomhed.virksomhedMetadata.nyesteBeliggenhedsadresse",
    "Vrvirksomhed.virksomhedMetadata.nyesteHovedbranche",
    "Vrvirksomhed.virksomhedMetadata.nyesteVirksomhedsform",
    "Vrvirksomhed.virksomhedMetadata.nyesteKontaktoplysninger",
    "Vrvirksomhed.virksomhedMetadata.sammensatStatus",
    "Vrvirksomhed.virksomhedMetadata.stiftelsesDato",
    "Vrvirksomhed.virksomhedMetadata.nyesteErstMaanedsbeskaeftigelse",
    "Vrvirksomhed.virksomhedMetadata.nyesteMaanedsbeskaeftigelse",
    "Vrvirksomhed.virksomhedMetadata.nyesteKvartalsbeskaeftigelse",
    "Vrvirksomhed.virksomhedMetadata.nyesteAarsbeskaeftigelse",
]


def write_hits(hits, output):
    """Write each hit on a line; return how many. A hit without a company
    document is an error of the query, not a company: refused."""
    count = 0
    for hit in hits:
        if not isinstance(hit, dict) or "Vrvirksomhed" not in (hit.get("_source") or {}):
            raise ValueError(f"not a Vrvirksomhed search hit: {json.dumps(hit)[:200]}")
        output.write(json.dumps(hit, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        count += 1
    return count


def _post(url, body, auth):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Basic {auth}"})
    with urllib.request.urlopen(request, timeout=300) as response:   # noqa: S310  (a fixed https/http URL)
        return json.load(response)


def scroll_pages(user, password, url=URL):
    """The scroll responses of every company document."""
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    page = _post(f"{url}?scroll={SCROLL}", {"size": PAGE_SIZE, "_source": FIELDS, "query": {"match_all": {}},
                                            "sort": ["_doc"]}, auth)
    scroll_url = url.split("/cvr-permanent/")[0] + "/_search/scroll"
    while page.get("hits", {}).get("hits"):
        yield page
        page = _post(scroll_url, {"scroll": SCROLL, "scroll_id": page["_scroll_id"]}, auth)


def saved_pages(paths):
    for path in paths:
        with open(path, encoding="utf-8") as saved:
            yield json.load(saved)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="the gzipped JSON-lines file to write (e.g. cvr_virksomheder.jsonl.gz)")
    parser.add_argument("--from-responses", nargs="+", metavar="JSON", help="saved scroll responses to convert")
    args = parser.parse_args()
    if args.from_responses:
        pages = saved_pages(args.from_responses)
    else:
        user, password = os.environ.get("CVR_USER"), os.environ.get("CVR_PASSWORD")
        if not user or not password:
            sys.exit("Set CVR_USER and CVR_PASSWORD to your CVR system-to-system credentials.")
        pages = scroll_pages(user, password)
    part = args.output + ".part"
    total = 0
    with gzip.open(part, "wb") as output:
        for page in pages:
            total += write_hits(page["hits"]["hits"], output)
            print(f"{total:,} companies", file=sys.stderr, end="\r")
    os.replace(part, args.output)
    print(f"{total:,} companies written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
