"""What every database client here shares: a relation, its column map, a label to show."""

from __future__ import annotations

from abc import ABC, abstractmethod

import pyarrow as pa
from sqlglot import exp

from funnel_gui.core.sql.source import ColumnMap

# Until the schema is read (sources/schema.py): no column is known yet.
UNMAPPED = ColumnMap(actor="", event="", time="")


def quote_table(name: str, dialect: str) -> str:
    """`schema.table` (or `project.dataset.table`) quoted for `dialect`, each part alone."""
    parts = [p for p in name.split(".") if p]
    table = exp.Table(this=exp.to_identifier(parts[-1], quoted=True))
    if len(parts) >= 2:
        table.set("db", exp.to_identifier(parts[-2], quoted=True))
    if len(parts) >= 3:
        table.set("catalog", exp.to_identifier(parts[-3], quoted=True))
    return table.sql(dialect=dialect)


def quote_column(name: str, dialect: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(dialect=dialect)


class ClientSource(ABC):
    """A SqlSource backed by one client connection; `engine` names it for people."""

    dialect: str = ""
    engine: str = ""

    def __init__(self, relation: str, table_label: str) -> None:
        self.relation = relation
        self.table_label = table_label
        self.columns = UNMAPPED

    @property
    def label(self) -> str:
        """Where results are computed, as the window's badge says it."""
        return f"{self.engine} · {self.table_label}" if self.table_label else self.engine

    def use_table(self, name: str) -> None:
        """Point at another table of the same connection (the table picker)."""
        self.relation = quote_table(name, self.dialect)
        self.table_label = name
        self.columns = UNMAPPED

    @abstractmethod
    def execute(self, sql: str) -> pa.Table: ...

    @abstractmethod
    def cancel(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def list_tables(self) -> list[str]:
        """Tables and views this connection can read, as names `use_table` accepts."""
