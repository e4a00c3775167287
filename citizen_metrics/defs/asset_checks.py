"""Asset checks: what must be true before the figures are trusted and published.

Most are SQL files (`citizen_metrics/build/sql/checks/`), made into checks by one factory: a check
passes when its query finds nothing, and shows the first rows it found. Every published
table is checked against its declaration (columns, types, empty values, allowed values,
key) in one step. Two are Python: the disclosure auditor, and the published database's
column names. Blocking checks stop publication when they fail.
"""

from __future__ import annotations

import dagster as dg
import pandera.errors

from citizen_metrics.build.checks import CHECKS as SQL_CHECKS
from citizen_metrics.build.checks import Check
from citizen_metrics.build.runner import SqlContext, check_findings
from citizen_metrics.build.warehouse import connect
from citizen_metrics.defs.metadata import markdown_rows
from citizen_metrics.defs.publication import citizen_metrics_database
from citizen_metrics.defs.resources import WAREHOUSE_POOL, WarehouseResource
from citizen_metrics.disclosure.attacker.auditor import findings_frame
from citizen_metrics.disclosure.figures import PROTECTED_TABLES
from citizen_metrics.publish.exports import PUBLISHED_TABLES, forbidden_columns
from citizen_metrics.publish.release import MartsFolder
from citizen_metrics.tables import PUBLISHED
from citizen_metrics.tables.contracts import table_schema
from citizen_metrics.tables.marts import MART_EQUITY_GAPS
from citizen_metrics.tables.model import Table, bilingual


def sql_check(check: Check) -> dg.AssetChecksDefinition:
    """The asset check of one SQL check: it passes when the query finds no row."""

    @dg.asset_check(
        asset=check.table, name=check.name, description=check.description,
        blocking=check.blocking, additional_deps=list(check.reads), pool=WAREHOUSE_POOL,
    )
    def evaluate(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        context = SqlContext.build(warehouse.settings())
        with warehouse.connect() as con:
            found, columns, first = check_findings(con, check.name, context)
        return dg.AssetCheckResult(
            passed=found == 0,
            severity=dg.AssetCheckSeverity.ERROR if check.blocking
            else dg.AssetCheckSeverity.WARN,
            metadata={"rows_found": found, "first_rows": markdown_rows(columns, first)},
        )

    return evaluate


def contract_check(table: Table) -> dg.AssetChecksDefinition:
    """The published table against its declaration (a pandera schema derived from
    `citizen_metrics.tables`), so the data dictionary never promises what the table does not keep:
    the declared columns and types, no empty value where none is allowed, only the allowed
    values, one row per key."""

    @dg.asset_check(
        asset=table.name, name="matches_declaration", blocking=True, pool=WAREHOUSE_POOL,
        description=bilingual(
            "La table tient sa déclaration (dictionnaire des données) : colonnes, types, "
            "valeurs vides, valeurs admises, une ligne par clé.",
            "The table keeps its declaration (docs/data_dictionary.md): columns, types, "
            "empty values, allowed values, one row per key."),
    )
    def evaluate(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        context = SqlContext.build(warehouse.settings())
        with warehouse.connect() as con:
            frame = con.table(table.name).pl()
        try:
            table_schema(table, context.lists).validate(frame, lazy=True)
        except pandera.errors.SchemaErrors as errors:
            cases = errors.failure_cases.head(20)
            return dg.AssetCheckResult(
                passed=False,
                metadata={"failures": len(errors.failure_cases),
                          "first_failures": markdown_rows(cases.columns, cases.rows())})
        return dg.AssetCheckResult(passed=True, metadata={"rows": frame.height})

    return evaluate


@dg.asset_check(
    asset=MART_EQUITY_GAPS.name, blocking=True, pool=WAREHOUSE_POOL,
    additional_deps=[*(table.name for table in PROTECTED_TABLES), "ref_communes"],
    description=bilingual(
        "Le secret statistique tient : à partir des seules tables publiées et des listes "
        "publiques (population des communes, provinces), aucun chiffre masqué faute de "
        "personnes ne peut être resserré à moins de la largeur de protection (20 points "
        "d'une part), ni aucun chiffre masqué pour en protéger un autre recalculé. Un "
        "échec arrête la publication.",
        "Disclosure control holds: from the tables as they will be published and the public "
        "reference only (commune populations, provinces), no figure suppressed for resting "
        "on too few people can be narrowed below the protection width (0.2 of its scale), "
        "and no complementary one recomputed. A failure stops publication."),
)
def disclosure_audit(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """The attacker, played before publication: from the tables as they will be published
    and the public reference only (commune populations and provinces), the range of values
    every suppressed figure can still take. Fails, and stops publication, when a figure
    suppressed for resting on too few people can be narrowed below the protection width
    (`PIPELINE_PROTECTION_WIDTH`, 0.2 of its scale), or a complementary one recomputed."""
    settings = warehouse.settings()
    with warehouse.connect() as con:
        report = SqlContext.build(settings).audit(con)
    failures = findings_frame(report).head(20)
    return dg.AssetCheckResult(
        passed=report.passed,
        metadata={
            "withheld_figures_audited": report.cells,
            "by_table": dg.MetadataValue.json(report.by_table),
            "protection_width": settings.protection_width,
            "narrowest_primary_range": round(report.narrowest_primary, 4),
            "narrowest_complementary_values": (
                report.narrowest_complementary + 1
                if report.narrowest_complementary != float("inf") else 0),
            "figures_too_narrow": len(report.failures),
            "linear_programs_solved": report.solves,
            "seconds": round(report.seconds, 2),
            "too_narrow": markdown_rows(list(failures.columns),
                                        list(failures.itertuples(index=False))),
        },
    )


@dg.asset_check(
    asset=citizen_metrics_database, blocking=True,
    description=bilingual(
        "Aucune donnée personnelle dans la base publiée cette nuit : ni nom, ni téléphone, "
        "ni commentaire, ni douar, ni code d'enquêteur, ni identifiant d'appareil ou de "
        "soumission.",
        "Tonight's database holds none of the columns that carry personal data (names, "
        "phones, comments, douar, enumerator codes, device or submission ids)."),
)
def no_personal_data_published(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Tonight's database holds none of the columns that carry personal data (names,
    phones, comments, douar, enumerator codes, device or submission ids)."""
    with connect(MartsFolder(warehouse.settings().marts_dir).staged_database,
                 read_only=True) as con:
        leaked = forbidden_columns(con, PUBLISHED_TABLES)
    return dg.AssetCheckResult(passed=not leaked, metadata={"forbidden_columns": leaked})


CHECKS = [
    *(sql_check(check) for check in SQL_CHECKS),
    *(contract_check(table) for table in PUBLISHED),
    disclosure_audit,
    no_personal_data_published,
]
