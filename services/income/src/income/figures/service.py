"""Income figures for a period: collection rate, current arrears as a share of the
annual rent roll, former tenant arrears, write-offs, cases per ladder step and
arrangements kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.figures import Figures, Measure, Period
from hearth_kit.working_days import london_day, start_of_london_day
from income.accounts import repository as accounts
from income.accounts import rules as account_rules
from income.arrangements import repository as arrangements
from income.arrears import repository as cases
from income.arrears.rules import LADDER
from income.figures import repository
from income.models import AccountKind, ArrangementStatus, EntryKind
from income.settings import IncomeSettings


class FiguresService:
    def __init__(self, settings: IncomeSettings) -> None:
        self.settings = settings

    async def figures(self, session: AsyncSession, period: Period) -> Figures:
        first, last = period.first, period.last
        # Rent accounts only (a recharge paid on a sundry account is not rent
        # collected), each side net of reversals (a returned payment collects nothing).
        _, charged = await repository.entry_total(
            session,
            (EntryKind.RENT, EntryKind.SERVICE_CHARGE),
            first,
            last,
            account_kind=AccountKind.RENT,
        )
        _, paid = await repository.entry_total(
            session, (EntryKind.PAYMENT,), first, last, account_kind=AccountKind.RENT
        )
        written_off_count, written_off = await repository.entry_total(
            session, (EntryKind.WRITE_OFF,), first, last
        )
        reversed_count, reversed_off = await repository.former_tenant_charges_reversed(
            session, first, last
        )
        today = london_day(datetime.now(UTC))
        in_arrears, arrears = await accounts.arrears_totals(
            session, account_rules.rent_week_of(today)
        )
        weeks = account_rules.chargeable_weeks(
            account_rules.rent_year_of(last), self.settings.rent_free_weeks
        )
        rent_roll = (
            await repository.weekly_rent_roll(session, account_rules.rent_week_of(today)) * weeks
        )
        fta_count, fta = await repository.former_tenant_arrears(session)
        stages = await cases.stage_counts(session)
        made = await arrangements.counts_made_between(
            session, start_of_london_day(first), start_of_london_day(last + timedelta(days=1))
        )
        kept = made.get(ArrangementStatus.ACTIVE, 0) + made.get(ArrangementStatus.COMPLETED, 0)
        return period.figures(
            [
                Measure.ratio(
                    "income.collection_rate",
                    "Payments received on rent accounts as a share of rent and service "
                    "charges charged in the period, each net of reversals",
                    -paid,
                    charged,
                ),
                Measure.ratio(
                    "income.current_arrears_share_of_rent_roll",
                    f"Current tenants' arrears now as a share of the annual rent roll "
                    f"({weeks} chargeable weeks)",
                    arrears,
                    rent_roll,
                ),
                Measure.count(
                    "income.accounts_in_arrears", "Current rent accounts in arrears now", in_arrears
                ),
                Measure.count(
                    "income.former_tenant_arrears_pence",
                    "Former tenant arrears owed now (pence): rent accounts and recharges",
                    fta,
                ),
                Measure.count(
                    "income.former_tenant_arrears_accounts",
                    "Former tenancies still owing now (rent or recharges)",
                    fta_count,
                ),
                Measure.count(
                    "income.written_off_pence",
                    "Former tenant arrears written off in the period (pence): write-offs "
                    "with a reason, not charges reversed after the end",
                    -written_off,
                ),
                Measure.count("income.write_offs", "Write-offs in the period", written_off_count),
                Measure.count(
                    "income.former_tenant_charges_reversed_pence",
                    "Charges taken off former tenants' accounts in the period by an approved "
                    "reversal (pence): corrections, not written off, on the same limit",
                    reversed_off,
                ),
                Measure.count(
                    "income.former_tenant_charges_reversed",
                    "Charges on former tenants' accounts reversed with approval in the period",
                    reversed_count,
                ),
                Measure.ratio(
                    "income.arrangements_kept",
                    "Arrangements made in the period that are kept or completed (one "
                    "whose tenancy ended owing is not kept)",
                    kept,
                    sum(made.values()),
                ),
            ],
            {
                "arrears_stage": [
                    Measure.count(
                        f"income.cases.{stage.value}",
                        f"Current tenancies' cases at {stage.value.replace('_', ' ')} now",
                        stages.get(stage, 0),
                    )
                    for stage in LADDER
                ]
            },
        )
