import os
import stat

from sernn.atomic import atomic_write_text


def test_files_are_readable_like_ordinary_files_and_leave_no_temporaries(tmp_path):
    target = tmp_path / "sub" / "results.csv"
    atomic_write_text(target, "a,b\n1,2\n")
    atomic_write_text(target, "a,b\n3,4\n")
    assert target.read_text() == "a,b\n3,4\n"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in target.parent.iterdir()] == ["results.csv"]
