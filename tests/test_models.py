"""Argos model packages: where they live, listing, safe installing, removing, the index."""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from pathlib import Path

import pytest

from a11ykit.errors import EngineError, ModelPackageError
from a11ykit.translate import packages as models
from argos_package import repack

pytestmark = pytest.mark.usefixtures("packages")  # every test gets its own HOME, XDG folders, package folder

FOLDER = "translate-en_es-0_1"


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def hostile_archive(path: Path, name: str, mode: int = 0o100644, data: bytes = b"evil") -> Path:
    """A package that is fine except for one extra member."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{FOLDER}/metadata.json", json.dumps({"from_code": "en", "to_code": "es"}))
        info = zipfile.ZipInfo(name)
        info.external_attr = mode << 16
        zf.writestr(info, data)
    return path


# --- where packages live -------------------------------------------------------------


def test_package_dir_prefers_the_explicit_folder(tmp_path: Path) -> None:
    assert models.package_dir(tmp_path / "flag") == tmp_path / "flag"


def test_package_dir_falls_back_to_the_environment_variable(packages: Path) -> None:
    assert models.package_dir() == packages


def test_package_dir_defaults_to_the_users_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("A11YKIT_ARGOS_DIR")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert models.package_dir() == tmp_path / ".local/share/a11ykit/argos-packages"


# --- list, install, remove -----------------------------------------------------------


def test_listing_a_folder_that_does_not_exist_finds_nothing(packages: Path) -> None:
    assert models.list_packages(packages) == []


def test_an_installed_package_is_listed_with_its_pair_version_and_path(package_file: Path, packages: Path) -> None:
    installed = models.install_file(package_file, packages)
    assert models.list_packages(packages) == [
        models.InstalledPackage("en", "es", "0.1", packages / FOLDER, "translate-en_es")
    ]
    assert installed.path == packages / FOLDER


def test_install_then_remove_leaves_the_folder_empty(package_file: Path, packages: Path) -> None:
    models.install_file(package_file, packages)
    removed = models.remove_package("en", "es", packages)
    assert removed.pair == "en→es"
    assert models.list_packages(packages) == []
    assert leftovers(packages) == []


def test_installing_a_newer_version_replaces_the_old_one(package_file: Path, packages: Path, tmp_path: Path) -> None:
    newer = repack(
        package_file,
        tmp_path / "newer.argosmodel",
        lambda files: {
            k: (json.dumps({**json.loads(v), "package_version": "0.2"}).encode() if k.endswith("metadata.json") else v)
            for k, v in files.items()
        },
    )
    models.install_file(package_file, packages)
    models.install_file(newer, packages)
    assert [p.version for p in models.list_packages(packages)] == ["0.2"]


def test_reinstalling_the_same_package_keeps_one_copy(package_file: Path, packages: Path) -> None:
    models.install_file(package_file, packages)
    models.install_file(package_file, packages)
    assert leftovers(packages) == [FOLDER]


def test_removing_a_pair_that_is_not_installed_is_a_clear_error(packages: Path) -> None:
    with pytest.raises(ModelPackageError, match="no en→es package is installed"):
        models.remove_package("en", "es", packages)


def test_listing_skips_folders_that_are_not_packages(package_file: Path, packages: Path) -> None:
    models.install_file(package_file, packages)
    (packages / "junk").mkdir()
    (packages / "junk" / "metadata.json").write_text("{not json")
    assert [p.pair for p in models.list_packages(packages)] == ["en→es"]


# --- refused archives ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "mode"),
    [
        ("../x", 0o100644),
        (f"{FOLDER}/../../x", 0o100644),
        ("/tmp/a11ykit-absolute-x", 0o100644),
        ("C:/x", 0o100644),
        (f"{FOLDER}/link", stat.S_IFLNK | 0o777),
        (f"{FOLDER}/device", stat.S_IFCHR | 0o644),
        (f"{FOLDER}/fifo", stat.S_IFIFO | 0o644),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "drive", "symlink", "device", "fifo"],
)
def test_an_archive_with_a_member_outside_the_folder_or_not_a_file_is_refused(
    member: str, mode: int, packages: Path, tmp_path: Path
) -> None:
    archive = hostile_archive(tmp_path / "evil.argosmodel", member, mode, data=b"/etc/passwd")
    with pytest.raises(ModelPackageError, match="unsafe") as refused:
        models.install_file(archive, packages)
    assert refused.value.exit_code == 2
    assert leftovers(packages) == []
    assert not (tmp_path / "x").exists() and not (packages.parent / "x").exists()
    assert not Path("/tmp/a11ykit-absolute-x").exists()


def test_an_archive_without_metadata_is_refused(package_file: Path, packages: Path, tmp_path: Path) -> None:
    archive = repack(
        package_file, tmp_path / "p.argosmodel", lambda f: {k: v for k, v in f.items() if "metadata" not in k}
    )
    with pytest.raises(ModelPackageError, match=re.escape("no metadata.json")):
        models.install_file(archive, packages)
    assert leftovers(packages) == []


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe"], ids=["syntax", "list", "bytes"])
def test_an_archive_with_unreadable_metadata_is_refused(
    raw: bytes, package_file: Path, packages: Path, tmp_path: Path
) -> None:
    archive = repack(
        package_file,
        tmp_path / "p.argosmodel",
        lambda f: {k: (raw if k.endswith("metadata.json") else v) for k, v in f.items()},
    )
    with pytest.raises(ModelPackageError, match=re.escape("metadata.json is not")):
        models.install_file(archive, packages)
    assert leftovers(packages) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"type": "sbd"}, "not a translate package"),
        ({"from_code": None}, "from_code and to_code"),
        ({"to_code": "../es"}, "from_code and to_code"),
    ],
    ids=["sbd", "no-source", "bad-code"],
)
def test_metadata_that_does_not_describe_a_translate_pair_is_refused(
    changes: dict, message: str, package_file: Path, packages: Path, tmp_path: Path
) -> None:
    def edit(files: dict[str, bytes]) -> dict[str, bytes]:
        meta = json.loads(files[f"{FOLDER}/metadata.json"])
        meta.update(changes)
        return {**files, f"{FOLDER}/metadata.json": json.dumps(meta).encode()}

    with pytest.raises(ModelPackageError, match=message):
        models.install_file(repack(package_file, tmp_path / "p.argosmodel", edit), packages)
    assert leftovers(packages) == []


def test_a_package_for_another_pair_than_requested_is_refused(package_file: Path, packages: Path) -> None:
    with pytest.raises(ModelPackageError, match="translates en→es, not es→en"):
        models.install_file(package_file, packages, expect=("es", "en"))
    assert leftovers(packages) == []


def test_a_file_that_is_not_a_zip_is_refused(packages: Path, tmp_path: Path) -> None:
    fake = tmp_path / "model.argosmodel"
    fake.write_bytes(b"this is not a zip archive" * 10)
    with pytest.raises(ModelPackageError, match="not a zip archive"):
        models.install_file(fake, packages)


def test_a_corrupt_zip_is_refused_and_nothing_is_left(package_file: Path, packages: Path, tmp_path: Path) -> None:
    data = bytearray(package_file.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(f"{FOLDER}/model/model.bin")
    middle = info.header_offset + 100 + info.compress_size // 2
    data[middle : middle + 64] = bytes(64)  # damage the compressed model, keep the directory
    broken = tmp_path / "broken.argosmodel"
    broken.write_bytes(bytes(data))
    with pytest.raises(ModelPackageError, match="corrupt"):
        models.install_file(broken, packages)
    assert leftovers(packages) == []


def test_a_missing_file_is_a_clear_error(packages: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelPackageError, match="no such package file"):
        models.install_file(tmp_path / "nope.argosmodel", packages)


def test_files_outside_a_top_level_folder_are_refused(package_file: Path, packages: Path, tmp_path: Path) -> None:
    archive = repack(
        package_file, tmp_path / "flat.argosmodel", lambda f: {k.split("/", 1)[1]: v for k, v in f.items()}
    )
    with pytest.raises(ModelPackageError, match="outside the package's folder"):
        models.install_file(archive, packages)
    assert leftovers(packages) == []


def test_a_package_without_a_model_is_refused(package_file: Path, packages: Path, tmp_path: Path) -> None:
    archive = repack(
        package_file, tmp_path / "p.argosmodel", lambda f: {k: v for k, v in f.items() if "/model/" not in k}
    )
    with pytest.raises(ModelPackageError, match="no CTranslate2 model"):
        models.install_file(archive, packages)
    assert leftovers(packages) == []


def test_a_package_without_a_tokenizer_is_refused(package_file: Path, packages: Path, tmp_path: Path) -> None:
    archive = repack(
        package_file, tmp_path / "p.argosmodel", lambda f: {k: v for k, v in f.items() if "sentencepiece" not in k}
    )
    with pytest.raises(ModelPackageError, match="no tokenizer"):
        models.install_file(archive, packages)
    assert leftovers(packages) == []


def test_a_refused_archive_leaves_an_installed_package_alone(
    package_file: Path, packages: Path, tmp_path: Path
) -> None:
    models.install_file(package_file, packages)
    with pytest.raises(ModelPackageError):
        models.install_file(hostile_archive(tmp_path / "evil.argosmodel", "../x"), packages)
    assert leftovers(packages) == [FOLDER]


# --- names that clash, sizes, and packages that do not load ---------------------------


def members_archive(path: Path, names: list[str]) -> Path:
    """A package whose members are ``names`` in that order (a name ending in / is a folder)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{FOLDER}/metadata.json", json.dumps({"from_code": "en", "to_code": "es"}))
        for name in names:
            zf.writestr(name, b"" if name.endswith("/") else b"data")
    return path


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ([f"{FOLDER}/model", f"{FOLDER}/model/model.bin"], "'translate-en_es-0_1/model' is both a file and a folder"),
        ([f"{FOLDER}/model/model.bin", f"{FOLDER}/model"], "'translate-en_es-0_1/model' is both a file and a folder"),
        ([f"{FOLDER}/model/", f"{FOLDER}/model"], "'translate-en_es-0_1/model' is both a file and a folder"),
        ([f"{FOLDER}/README.md", f"{FOLDER}/./README.md"], "'translate-en_es-0_1/./README.md' is in it twice"),
    ],
    ids=["file-then-folder", "folder-then-file", "folder-entry", "same-path-twice"],
)
def test_an_archive_whose_names_clash_is_refused_before_unpacking(
    names: list[str], message: str, packages: Path, tmp_path: Path
) -> None:
    archive = members_archive(tmp_path / "clash.argosmodel", names)
    with pytest.raises(ModelPackageError, match=re.escape(message)) as refused:
        models.install_file(archive, packages)
    assert refused.value.code == "A11Y408"
    assert leftovers(packages) == []


def with_padding(package_file: Path, destination: Path, size: int) -> Path:
    """The test package plus ``size`` zero bytes in one member: they compress about 1000 to 1."""
    return repack(package_file, destination, lambda f: {**f, f"{FOLDER}/model/padding.bin": bytes(size)})


def test_an_archive_that_unpacks_to_a_hundred_times_its_size_is_refused_before_unpacking(
    package_file: Path, packages: Path, tmp_path: Path
) -> None:
    archive = with_padding(package_file, tmp_path / "bomb.argosmodel", 64 << 20)
    assert archive.stat().st_size * 100 < 64 << 20  # the ratio is what is refused, not the size
    with pytest.raises(ModelPackageError, match=r"would unpack to 66\.\d MiB from 0\.\d MiB") as refused:
        models.install_file(archive, packages)
    assert refused.value.code == "A11Y409"
    assert leftovers(packages) == []


def test_a_small_package_may_compress_well(package_file: Path, packages: Path, tmp_path: Path) -> None:
    archive = with_padding(package_file, tmp_path / "padded.argosmodel", 8 << 20)  # 11 MiB from 0.3 MiB
    assert models.install_file(archive, packages).path == packages / FOLDER


def test_an_archive_over_the_total_limit_is_refused(package_file: Path, packages: Path) -> None:
    limits = models.UnpackLimits(total=1 << 20)  # the test package unpacks to 2.4 MiB
    with pytest.raises(ModelPackageError, match=re.escape("more than the 1.0 MiB allowed")) as refused:
        models.install_file(package_file, packages, limits=limits)
    assert refused.value.code == "A11Y409"
    assert leftovers(packages) == []


def test_an_archive_with_too_many_members_is_refused(packages: Path, tmp_path: Path) -> None:
    names = [f"{FOLDER}/f{i}" for i in range(models.UNPACK_LIMITS.members)]
    with pytest.raises(ModelPackageError, match="10,001 members, more than the 10,000"):
        models.install_file(members_archive(tmp_path / "many.argosmodel", names), packages)
    assert leftovers(packages) == []


@pytest.mark.parametrize(
    ("member", "broken", "message"),
    [
        ("model/model.bin", b"not a model" * 10, "cannot load translate-en_es's CTranslate2 model"),
        ("model/config.json", b"{not json", "cannot load translate-en_es's CTranslate2 model"),
        ("sentencepiece.model", b"not a tokenizer", "cannot load translate-en_es's tokenizer"),
    ],
    ids=["model", "config", "tokenizer"],
)
def test_a_package_that_does_not_load_is_refused_and_leaves_nothing(
    member: str, broken: bytes, message: str, package_file: Path, packages: Path, tmp_path: Path
) -> None:
    archive = repack(
        package_file, tmp_path / "broken.argosmodel", lambda f: {**f, f"{FOLDER}/{member}": broken}
    )
    with pytest.raises(ModelPackageError, match=re.escape(f"broken.argosmodel is broken: {message}")) as refused:
        models.install_file(archive, packages)
    assert refused.value.code == "A11Y410"
    assert leftovers(packages) == []


def test_a_package_that_does_not_load_leaves_the_installed_one_alone(
    package_file: Path, packages: Path, tmp_path: Path
) -> None:
    models.install_file(package_file, packages)
    broken = repack(package_file, tmp_path / "b.argosmodel", lambda f: {**f, f"{FOLDER}/model/model.bin": b"x"})
    with pytest.raises(ModelPackageError, match="is broken"):
        models.install_file(broken, packages)
    assert leftovers(packages) == [FOLDER]
    assert (packages / FOLDER / "model" / "model.bin").read_bytes() == zipfile.ZipFile(package_file).read(
        f"{FOLDER}/model/model.bin"
    )


# --- the index -------------------------------------------------------------------------


def test_the_index_url_defaults_to_argos_translates_index() -> None:
    assert models.index_url() == models.DEFAULT_INDEX_URL


def test_the_index_url_reads_a_base_url_from_the_environment_like_argos(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "https://mirror.example/argospm/")
    assert models.index_url() == "https://mirror.example/argospm/index.json"


def test_installing_from_an_unreachable_index_says_how_to_install_a_file(packages: Path) -> None:
    with pytest.raises(EngineError) as failed:
        models.install_from_index("en", "es", packages)
    message = str(failed.value)
    assert "index is unreachable" in message
    assert "a11ykit models install FILE.argosmodel" in message
    assert "\n" not in message
    assert failed.value.exit_code == 2


def test_installing_from_an_index_blocked_by_the_network_fails_fast(
    monkeypatch: pytest.MonkeyPatch, packages: Path
) -> None:
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "http://192.0.2.1/")  # an IP: no DNS, straight to connect
    with pytest.raises(EngineError, match="must not use the network"):
        models.install_from_index("en", "es", packages)
    assert leftovers(packages) == []


def write_index(tmp_path: Path, entries: list[dict]) -> Path:
    index = tmp_path / "index.json"
    index.write_text(json.dumps(entries))
    return index


def test_installing_from_the_index_downloads_and_installs_the_newest_package(
    monkeypatch: pytest.MonkeyPatch, package_file: Path, packages: Path, tmp_path: Path
) -> None:
    entries = [
        {"from_code": "en", "to_code": "es", "package_version": "0.0.9", "links": ["ipfs://nowhere"]},
        {"from_code": "en", "to_code": "es", "package_version": "0.1", "links": [package_file.as_uri()]},
        {"from_code": "es", "to_code": "en", "package_version": "9.0", "links": ["file:///nowhere"]},
    ]
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", write_index(tmp_path, entries).as_uri())
    seen: list[tuple[str, int, int]] = []
    installed = models.install_from_index("en", "es", packages, progress=lambda *a: seen.append(a))
    assert (installed.pair, installed.version) == ("en→es", "0.1")
    assert seen[-1] == ("download", package_file.stat().st_size, package_file.stat().st_size)
    assert leftovers(packages) == [FOLDER]  # no download left behind


def test_an_index_without_the_pair_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, packages: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", write_index(tmp_path, []).as_uri())
    with pytest.raises(EngineError, match="has no en→es package"):
        models.install_from_index("en", "es", packages)


def test_a_failed_download_says_how_to_install_a_file(
    monkeypatch: pytest.MonkeyPatch, packages: Path, tmp_path: Path
) -> None:
    entries = [{"from_code": "en", "to_code": "es", "links": [(tmp_path / "gone.argosmodel").as_uri()]}]
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", write_index(tmp_path, entries).as_uri())
    with pytest.raises(EngineError, match=r"could not download.*a11ykit models install FILE\.argosmodel"):
        models.install_from_index("en", "es", packages)
    assert leftovers(packages) == []


def test_a_download_of_the_wrong_pair_is_refused(
    monkeypatch: pytest.MonkeyPatch, package_file: Path, packages: Path, tmp_path: Path
) -> None:
    entries = [{"from_code": "es", "to_code": "en", "links": [package_file.as_uri()]}]
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", write_index(tmp_path, entries).as_uri())
    with pytest.raises(ModelPackageError, match="not es→en"):
        models.install_from_index("es", "en", packages)
    assert leftovers(packages) == []

