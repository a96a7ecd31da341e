"""A database's table layout as plain data, to compare two databases' schemas on SQLite or
PostgreSQL: per table its columns (name, type, nullable), primary key, foreign keys, unique
constraints, indexes (with a partial index's condition) and check constraints, by name.

Column order is kept (``ordered=True``) or not: a column a migration adds goes last, where a
new table would have it elsewhere."""

from __future__ import annotations

from typing import Any

import sqlalchemy


def layout(url: str, *, ordered: bool = True) -> dict[str, dict[str, Any]]:
    """Table name -> its layout, for the database at ``url`` (a path is a SQLite file)."""
    engine = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    try:
        with engine.connect() as conn:
            insp = sqlalchemy.inspect(conn)
            out = {}
            for table in sorted(insp.get_table_names()):
                columns = [(c["name"], str(c["type"]).split("(")[0].upper(), c["nullable"])
                           for c in insp.get_columns(table)]
                pk = insp.get_pk_constraint(table)
                out[table] = {
                    "columns": columns if ordered else sorted(columns),
                    "pk": (pk.get("name"), tuple(pk["constrained_columns"])),
                    "fks": sorted((fk.get("name"), tuple(fk["constrained_columns"]), fk["referred_table"],
                                   tuple(fk["referred_columns"]), tuple(sorted((fk.get("options") or {}).items())))
                                  for fk in insp.get_foreign_keys(table)),
                    "uniques": sorted((u.get("name"), tuple(u["column_names"]))
                                      for u in insp.get_unique_constraints(table)),
                    "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]), _where(i))
                                      for i in insp.get_indexes(table)),
                    "checks": sorted((c.get("name"), " ".join(c["sqltext"].split()))
                                     for c in insp.get_check_constraints(table)),
                }
            return out
    finally:
        engine.dispose()


def _where(index: dict[str, Any]) -> str | None:
    options = index.get("dialect_options", {})
    where = options.get("sqlite_where")  # a clause: no truth value, so no `or` here
    where = options.get("postgresql_where") if where is None else where
    return None if where is None else " ".join(str(where).replace("(", " ").replace(")", " ").split()).lower()


def copy_rows(source: str, url: str, version: int) -> dict[str, list[tuple]]:
    """Make ``url`` (a path is a SQLite file) a database of schema ``version`` (the layout kept in
    ``live.store.migrations``) holding every row of the SQLite file ``source`` of that version;
    returns the rows copied, per table. On PostgreSQL the id sequences move past the given ids."""
    from live.store.migrations import create_schema, tables_of

    src = sqlalchemy.create_engine(f"sqlite:///{source}")
    dst = sqlalchemy.create_engine(url if "://" in url else f"sqlite:///{url}")
    rows: dict[str, list[tuple]] = {}
    try:
        with src.connect() as a, dst.begin() as b:
            create_schema(b, version)
            for table in tables_of(version):
                if table.name == "meta":
                    continue
                rows[table.name] = [tuple(r) for r in a.execute(sqlalchemy.select(table))]
                if rows[table.name]:
                    b.execute(table.insert(), [dict(zip(table.c.keys(), r)) for r in rows[table.name]])
                serial = "id" in table.c and isinstance(table.c.id.type, sqlalchemy.Integer)
                if b.dialect.name == "postgresql" and serial:
                    b.execute(sqlalchemy.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"))
    finally:
        src.dispose()
        dst.dispose()
    return rows
