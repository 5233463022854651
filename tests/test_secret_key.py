"""Without MRP_SECRET_KEY the app makes one random key per instance folder."""

from __future__ import annotations

import stat

from service import _instance_secret


def test_instance_secret_is_random_private_and_stable(tmp_path):
    first = _instance_secret(tmp_path)
    assert len(first) >= 48
    assert _instance_secret(tmp_path) == first  # every process of the instance shares it
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    other = tmp_path / "other"
    other.mkdir()
    assert _instance_secret(other) != first


def test_the_instance_folder_is_a_setting(tmp_path, monkeypatch):
    from service import create_app

    monkeypatch.setenv("MRP_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    app = create_app({"DATABASE_URL": "sqlite://"})
    try:
        assert app.instance_path == str(tmp_path / "elsewhere")
        assert (tmp_path / "elsewhere" / "secret_key").read_text().strip() == app.secret_key
    finally:
        app.extensions["mrp.plugins"].close()
