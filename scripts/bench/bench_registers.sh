# Sourced by scripts/bench/bench.sh for BENCH_ONLY=registers (it defines `step`,
# OUT_DIR, ODOO_PYTHON and REPO_DIR): the register imports, on our database.
# A generated Companies House file of BENCH_UK_ROWS rows (default 5,700,000),
# then next month's file (1 % gone, 2 % changed, 1 % new), then a SIRENE pair
# of BENCH_SIRENE_ESTABLISHMENTS establishments (default 10,000,000), each
# imported and committed as from the command line; the files are generated
# once into .local/bench/registers/ and kept. Prints one line per import and
# appends it to .local/bench/registers.jsonl.
# shellcheck shell=bash

register_imports() {
    UK_ROWS=${BENCH_UK_ROWS:-5700000}
    FR_ROWS=${BENCH_SIRENE_ESTABLISHMENTS:-10000000}
    DATA="$OUT_DIR/registers"
    mkdir -p "$DATA"
    generate() {  # generate FILE COMMAND...: once, renamed into place when complete
        [ -f "$1" ] && return 0
        echo "   generating $1"
        "${@:2}" "$1.part" && mv "$1.part" "$1"
    }
    generate "$DATA/uk-$UK_ROWS.csv" "$ODOO_PYTHON" "$REPO_DIR/scripts/registers/generate_companies_house.py" "$UK_ROWS"
    generate "$DATA/uk-$UK_ROWS-next.csv" "$ODOO_PYTHON" "$REPO_DIR/scripts/registers/generate_companies_house.py" \
        "$UK_ROWS" --update
    if [ ! -d "$DATA/fr-$FR_ROWS" ]; then
        echo "   generating $DATA/fr-$FR_ROWS"
        "$ODOO_PYTHON" "$REPO_DIR/scripts/registers/generate_sirene.py" "$FR_ROWS" "$DATA/fr-$FR_ROWS.part"
        mv "$DATA/fr-$FR_ROWS.part" "$DATA/fr-$FR_ROWS"
    fi
    register() {  # register LABEL CODE FILES
        BENCH_LABEL=$1 BENCH_REGISTER=$2 BENCH_REGISTER_FILES=$3 BENCH_REGISTER_DIR=$DATA step ours register
        cat "$OUT_DIR/step-ours-register.json" >>"$OUT_DIR/registers.jsonl"
    }
    rm -f "$OUT_DIR/registers.jsonl"
    echo "== Register imports (ours)"
    register "UK first import" gb_companies_house "$DATA/uk-$UK_ROWS.csv"
    register "UK monthly update" gb_companies_house "$DATA/uk-$UK_ROWS-next.csv"
    step ours register_pick
    register "France SIRENE pair" fr_sirene \
        "$DATA/fr-$FR_ROWS/StockEtablissement_utf8.csv:$DATA/fr-$FR_ROWS/StockUniteLegale_utf8.csv"
}

# BENCH_ONLY=registers_be: a generated KBO Open Data full extract (Belgium) of
# BENCH_KBO_ENTERPRISES enterprises (default 1,900,000: about 36 M activity
# rows, 2.4 GB of CSV in a zip of members), generated once into
# .local/bench/registers/ and kept, imported twice (the second time nothing
# changes), then the next day's update extract changing BENCH_KBO_CHANGES of
# its enterprises (default 10,000; generated once too). Appends to
# .local/bench/registers_be.jsonl.
register_imports_be() {
    BE_ROWS=${BENCH_KBO_ENTERPRISES:-1900000}
    BE_CHANGES=${BENCH_KBO_CHANGES:-10000}
    DATA="$OUT_DIR/registers"
    FILE="KboOpenData_0312_2026_12_06_Full-$BE_ROWS.zip"
    UPDATE="KboOpenData_0313_2026_12_07_Update-$BE_ROWS-$BE_CHANGES.zip"
    mkdir -p "$DATA"
    for file in "$FILE" "$UPDATE"; do
        if [ ! -f "$DATA/$file" ]; then
            echo "   generating $DATA/$file"
            [ "$file" = "$UPDATE" ] && changes=(--update "$BE_CHANGES") || changes=()
            "$ODOO_PYTHON" "$REPO_DIR/scripts/registers/generate_kbo.py" "$BE_ROWS" "$DATA/$file.part" "${changes[@]}"
            mv "$DATA/$file.part" "$DATA/$file"
        fi
    done
    rm -f "$OUT_DIR/registers_be.jsonl"
    echo "== Register imports (ours): Belgium"
    for label in "Belgium KBO first import" "Belgium KBO same extract again" "Belgium KBO daily update"; do
        [ "$label" = "Belgium KBO daily update" ] && file=$UPDATE || file=$FILE
        BENCH_LABEL=$label BENCH_REGISTER=be_kbo BENCH_REGISTER_FILES="$DATA/$file" BENCH_REGISTER_DIR=$DATA \
            step ours register
        cat "$OUT_DIR/step-ours-register.json" >>"$OUT_DIR/registers_be.jsonl"
    done
}

# BENCH_ONLY=registers_ee: Estonia's pair (the register's simple data and the
# tax file) of BENCH_EE_COMPANIES entities (default 378,000, the real
# register), generated once into .local/bench/registers/ and kept; prints the
# import's line and appends it to .local/bench/registers_ee.jsonl.
register_imports_ee() {
    EE_ROWS=${BENCH_EE_COMPANIES:-378000}
    DATA="$OUT_DIR/registers"
    mkdir -p "$DATA"
    if [ ! -d "$DATA/ee-$EE_ROWS" ]; then
        echo "   generating $DATA/ee-$EE_ROWS"
        "$ODOO_PYTHON" "$REPO_DIR/scripts/registers/generate_ariregister.py" "$EE_ROWS" "$DATA/ee-$EE_ROWS.part"
        mv "$DATA/ee-$EE_ROWS.part" "$DATA/ee-$EE_ROWS"
    fi
    echo "== Register imports (ours): Estonia"
    BENCH_LABEL="Estonia e-Business Register and tax file" BENCH_REGISTER=ee_ariregister \
        BENCH_REGISTER_FILES="$DATA/ee-$EE_ROWS/ettevotja_rekvisiidid__lihtandmed.csv:$DATA/ee-$EE_ROWS/tasutud_maksud_kaesolev_aasta.csv" \
        BENCH_REGISTER_DIR=$DATA step ours register
    cat "$OUT_DIR/step-ours-register.json" >>"$OUT_DIR/registers_ee.jsonl"
}

# BENCH_ONLY=registers_dk: a generated dump of Denmark's CVR, BENCH_DK_DOCUMENTS
# documents (default 2,000,000, the register's companies, ceased ones
# included) as scripts/registers/dump_dk_cvr.py writes them (one search hit
# per line, plain: the rate is of JSON bytes), generated once and kept.
register_imports_dk() {
    DK_DOCUMENTS=${BENCH_DK_DOCUMENTS:-2000000}
    DATA="$OUT_DIR/registers"
    mkdir -p "$DATA"
    if [ ! -f "$DATA/dk-$DK_DOCUMENTS.jsonl" ]; then
        echo "   generating $DATA/dk-$DK_DOCUMENTS.jsonl"
        "$ODOO_PYTHON" "$REPO_DIR/scripts/registers/generate_cvr.py" "$DK_DOCUMENTS" "$DATA/dk-$DK_DOCUMENTS.jsonl.part"
        mv "$DATA/dk-$DK_DOCUMENTS.jsonl.part" "$DATA/dk-$DK_DOCUMENTS.jsonl"
    fi
    echo "== Register imports (ours): Denmark"
    BENCH_LABEL="Denmark CVR dump" BENCH_REGISTER=dk_cvr BENCH_REGISTER_FILES="$DATA/dk-$DK_DOCUMENTS.jsonl" \
        BENCH_REGISTER_DIR=$DATA step ours register
    cat "$OUT_DIR/step-ours-register.json" >>"$OUT_DIR/registers.jsonl"
}
