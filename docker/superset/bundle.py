"""Zip the dashboards' export (./dashboards) for `superset import-dashboards`, with the
database's URI set to the warehouse's read-only role (YIWANG_WAREHOUSE_READER_URL).

The committed export carries no password (as Superset exports it); here the password goes into
the `password` field beside a masked URI, the way Superset's importer takes it, so it is stored
encrypted and never inside the URI. Runs in Superset's own environment (PyYAML, SQLAlchemy)."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

PASSWORD_MASK = "X" * 10  # superset.constants.PASSWORD_MASK


def main(source: Path, target: Path) -> None:
    url = make_url(os.environ["YIWANG_WAREHOUSE_READER_URL"])
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / source.name
        shutil.copytree(source, root)
        for path in (root / "databases").glob("*.yaml"):
            database = yaml.safe_load(path.read_text("utf-8"))
            if database["database_name"] != "yiwang":
                continue
            if url.password:
                database["password"] = url.password
                url = url.set(password=PASSWORD_MASK)
            database["sqlalchemy_uri"] = url.render_as_string(hide_password=False)
            path.write_text(yaml.safe_dump(database, allow_unicode=True, sort_keys=False), "utf-8")
        shutil.make_archive(str(target.with_suffix("")), "zip", root.parent, root.name)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]))
