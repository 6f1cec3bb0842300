"""What inserting a company into the directory costs PostgreSQL, per index
and per foreign key: the floor under a register import's merge.

    python3 scripts/bench/insert_cost.py "host=... dbname=..." [ROWS]

On a database whose directory holds companies (after a register import of
`make bench`, kept with BENCH_KEEP=1): copies of ROWS of them (default
50,000, with another register number) are inserted in a transaction rolled
back, first as the table is, then without all its foreign keys, without its
secondary indexes, without both, then without each index and each foreign
key alone (dropped in the same rolled back transaction). Each variant runs
after the table as it is, alternately, three times each: prints the best
time of each and the difference, in microseconds per company. Changes
nothing (everything is rolled back; VACUUM clears the rows inserted).
"""
import sys
import time

import psycopg2

TABLE = "crm_iap_lead_directory_company"


def main():
    dsn = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    connection = psycopg2.connect(dsn)
    cr = connection.cursor()
    cr.execute("""
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
         WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
           AND attname NOT IN ('id', 'register_number')
    """, [TABLE])
    columns = cr.fetchone()[0]
    cr.execute("""
        SELECT i.indexrelid::regclass::text FROM pg_index i
         WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
         ORDER BY 1
    """, [TABLE])
    indexes = [row[0] for row in cr.fetchall()]
    cr.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY 1",
               [TABLE])
    foreign_keys = [row[0] for row in cr.fetchall()]
    cr.execute(f"SELECT count(*) FROM {TABLE}")
    print(f"{TABLE}: {cr.fetchone()[0]:,} companies, {len(indexes)} secondary indexes (and the primary key "
          f"and register number's unique index), {len(foreign_keys)} foreign keys; {rows:,} inserted")
    connection.rollback()
    drop_index = [f"DROP INDEX {index}" for index in indexes]
    drop_keys = [f"ALTER TABLE {TABLE} DROP CONSTRAINT {key}" for key in foreign_keys]

    def insert(prepare=()):
        for statement in prepare:
            cr.execute(statement)
        started = time.perf_counter()
        cr.execute(f"""
            INSERT INTO {TABLE} ({columns}, register_number)
            SELECT {columns}, register_number || '~' FROM {TABLE} ORDER BY id LIMIT %s
        """, [rows])
        seconds = time.perf_counter() - started
        connection.rollback()
        connection.autocommit = True
        cr.execute(f"VACUUM {TABLE}")
        connection.autocommit = False
        return seconds

    def compare(label, prepare):
        base, variant = [], []
        for _run in range(3):
            base.append(insert())
            variant.append(insert(prepare))
        per_row = 1e6 / rows
        print(f"{label:<64} {min(variant) * per_row:6.1f} us/row (as it is {min(base) * per_row:5.1f}: "
              f"this saves {(min(base) - min(variant)) * per_row:5.1f})", flush=True)

    compare("no foreign key", drop_keys)
    compare("no secondary index", drop_index)
    compare("neither", drop_index + drop_keys)
    for index, statement in zip(indexes, drop_index):
        compare(f"without {index}", [statement])
    for key, statement in zip(foreign_keys, drop_keys):
        compare(f"without {key}", [statement])


if __name__ == "__main__":
    main()
