"""Write a fictitious file in the Companies House BasicCompanyData format.

    python3 scripts/registers/generate_companies_house.py ROWS OUTPUT.csv [--zip] [--update]

Every field quoted, the published header (with its leading spaces), dates
dd/mm/yyyy. Used to measure the import on a large file (see README).

``--update``: next month's file of the same ROWS companies: 1 % gone
(dissolved), 2 % changed (renamed or moved), 1 % new ones at the end. Each
company's row comes from a generator seeded by its number, so the other
rows are the same in both files.
"""
import argparse
import csv
import io
import random
import zipfile

PREVIOUS_NAMES = [f"{space}PreviousName_{n}.{part}" for n in range(1, 11)
                  for space, part in (("", "CONDATE"), (" ", "CompanyName"))]
HEADER = (
    "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1, RegAddress.AddressLine2,"
    "RegAddress.PostTown,RegAddress.County,RegAddress.Country,RegAddress.PostCode,CompanyCategory,CompanyStatus,"
    "CountryOfOrigin,DissolutionDate,IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,"
    "Accounts.NextDueDate,Accounts.LastMadeUpDate,Accounts.AccountCategory,Returns.NextDueDate,"
    "Returns.LastMadeUpDate,Mortgages.NumMortCharges,Mortgages.NumMortOutstanding,Mortgages.NumMortPartSatisfied,"
    "Mortgages.NumMortSatisfied,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,SICCode.SicText_4,"
    "LimitedPartnerships.NumGenPartners,LimitedPartnerships.NumLimPartners,URI,"
    + ",".join(PREVIOUS_NAMES)
    + ",ConfStmtNextDueDate, ConfStmtLastMadeUpDate"
)
COLUMNS = [name.strip() for name in HEADER.split(",")]
SIC_CODES = [
    "62012 - Business and domestic software development", "70229 - Management consultancy activities other than "
    "financial management", "47190 - Other retail sale in non-specialised stores", "41100 - Development of building "
    "projects", "56101 - Licensed restaurants", "99999 - Dormant Company", "None Supplied",
]
TOWNS = ["LONDON", "MANCHESTER", "BIRMINGHAM", "LEEDS", "GLASGOW", "CARDIFF", "BRISTOL", "BELFAST"]


def company_row(number, rng):
    """{column: value} of one fictitious live company."""
    rng.seed(number)
    row = dict.fromkeys(COLUMNS, "")
    row.update({
        "CompanyName": f"EXAMPLE TRADING {number} LIMITED",
        "CompanyNumber": f"{number:08d}",
        "RegAddress.AddressLine1": f"{rng.randint(1, 300)} High Street",
        "RegAddress.PostTown": rng.choice(TOWNS),
        "RegAddress.Country": "UNITED KINGDOM",
        "RegAddress.PostCode": f"AB{rng.randint(1, 99)} {rng.randint(1, 9)}CD",
        "CompanyCategory": "Private Limited Company",
        "CompanyStatus": "Active",
        "CountryOfOrigin": "United Kingdom",
        "IncorporationDate": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2025)}",
        "SICCode.SicText_1": rng.choice(SIC_CODES),
        "URI": f"http://business.data.gov.uk/id/company/{number:08d}",
    })
    return row


def write_rows(stream, rows):
    """The header as published (unquoted, stray spaces), then every field quoted."""
    stream.write(HEADER + "\r\n")
    writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in rows:
        writer.writerow([row.get(column, "") for column in COLUMNS])


def next_month(rows, rng):
    """Next month's rows: 1 % gone, 2 % changed, 1 % new."""
    for number in range(1, rows + 1):
        if number % 100 == 0:
            continue
        row = company_row(number, rng)
        if number % 50 == 1:
            row["CompanyName"] = f"EXAMPLE HOLDINGS {number} LIMITED"
        yield row
    for number in range(rows + 1, rows + rows // 100 + 1):
        yield company_row(number, rng)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("output")
    parser.add_argument("--zip", action="store_true", help="write a zip holding the CSV")
    parser.add_argument("--update", action="store_true", help="next month's file: 1 %% gone, 2 %% changed, 1 %% new")
    args = parser.parse_args()
    rng = random.Random()
    if args.update:
        rows = next_month(args.rows, rng)
    else:
        rows = (company_row(number, rng) for number in range(1, args.rows + 1))
    if args.zip:
        with zipfile.ZipFile(args.output, "w", zipfile.ZIP_DEFLATED) as archive, \
                archive.open("BasicCompanyDataAsOneFile.csv", "w") as member:
            text = io.TextIOWrapper(member, encoding="utf-8", newline="")
            write_rows(text, rows)
            text.flush()
    else:
        with open(args.output, "w", encoding="utf-8", newline="") as stream:
            write_rows(stream, rows)


if __name__ == "__main__":
    main()
