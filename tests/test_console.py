"""The console shows sernn's output and Python warnings, not TensorFlow's native log lines."""
import subprocess
import sys

SCRIPT = r"""
import os, sys, warnings
from sernn.console import native_logs_filtered
with native_logs_filtered():
    os.write(2, b"I0000 00:00:1796287864.927601    2489 cudart_stub.cc:31] Could not find cuda drivers\n")
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
    os.write(2, b"E0000 00:00:1796287868.985061    2489 tfg_optimizer_hook.cc:134] tfg_optimizer{} failed\n")
    os.write(2, b"\twhen importing GraphDef to MLIR module in GrapplerHook\n")
    warnings.warn("a warning the user needs")
    os.write(2, b"\tan indented line of ours\n")
    print("our own message", file=sys.stderr)
print("after the block", file=sys.stderr)
"""


def test_native_log_lines_are_dropped_and_everything_else_kept():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    err = result.stderr
    assert "UserWarning: a warning the user needs" in err
    assert "our own message" in err and "after the block" in err
    assert "cudart_stub" not in err and "absl::InitializeLog" not in err and "tfg_optimizer" not in err
    assert "GrapplerHook" not in err and "\tan indented line of ours" in err  # only a native line's continuation


def test_command_line_is_quiet_unless_verbose(tmp_path):
    args = [sys.executable, "-m", "sernn.cli", "maze", "--epochs", "1", "--train-trials", "128",
            "--val-trials", "128", "--test-trials", "128", "--conditions", "baseline", "--seeds", "0"]
    quiet = subprocess.run([*args, "--out", str(tmp_path / "a")], capture_output=True, text=True, timeout=600)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr.strip() == "" and "[1/1] baseline" in quiet.stdout
    verbose = subprocess.run([*args, "--out", str(tmp_path / "b"), "--verbose"], capture_output=True,
                             text=True, timeout=600)
    assert verbose.returncode == 0 and "[1/1] baseline" in verbose.stdout
    bad = subprocess.run([*args[:4], "--noise", "-1", "--out", str(tmp_path / "c")], capture_output=True,
                         text=True, timeout=600)
    assert bad.returncode == 2 and bad.stderr.strip() == "sernn maze: error: --noise must be a finite real number >= 0; got -1.0"
