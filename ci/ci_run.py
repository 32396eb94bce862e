"""ci/test's bookkeeping: the CMake presets it drives, the arch facts, the
counts, logs and summary of one run (ci/test.py has the stages)."""
import json
import os
import shutil
import subprocess
import sys

from ctest_results import console_statuses, ctest_junit, gtest_cases

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOBS = os.environ.get("XTRAMP_JOBS", "2")
B = os.path.abspath(os.path.join(ROOT, os.environ.get("XTRAMP_BUILD", "build")))
LOGS = os.path.join(B, "ci-logs")
# CMakePresets.json's binaryDir is ${sourceDir}/build/<preset>: with another
# XTRAMP_BUILD the driver configures with -B and builds/tests that directory.
PRESET_DIRS = os.path.realpath(B) == os.path.realpath(os.path.join(ROOT, "build"))
NATIVE = os.path.join(B, "native")

# Arch facts when `xtramp arches --json` (of the native build) does not give
# them (no native build yet, or an xtramp from before these fields).
ARCH_FALLBACK = {
    "x86_64": {"qemu_user": "qemu-x86_64", "toolchain_file": None, "ci_stage": None},
    "arm64": {"qemu_user": "qemu-aarch64",
              "toolchain_file": "cmake/toolchains/aarch64-linux-gnu.cmake", "ci_stage": "aarch64"},
    "s390x": {"qemu_user": "qemu-s390x",
              "toolchain_file": "cmake/toolchains/s390x-linux-gnu.cmake", "ci_stage": "s390x"},
}
UNAME_ARCH = {"x86_64": "x86_64", "aarch64": "arm64", "s390x": "s390x"}


def arch_facts():
    """The arches this host tests, host first: [{arch, host, qemu_user,
    toolchain_file, ci_stage}]. xtramp lists its backends in the order
    x86_64, arm64, s390x; a host builds and runs (under qemu) the ones after
    it: x86-64 all three, arm64 arm64 and s390x, s390x itself only."""
    listed = []
    cli = cli_path(NATIVE)
    if cli:
        try:
            listed = json.loads(subprocess.run([cli, "arches", "--json"], capture_output=True,
                                               text=True, check=True).stdout)
        except (subprocess.CalledProcessError, ValueError, OSError):
            listed = []
    if not listed:
        host = UNAME_ARCH.get(os.uname().machine, os.uname().machine)
        listed = [{"arch": a, "host": a == host} for a in ARCH_FALLBACK]
    facts = [{**ARCH_FALLBACK.get(a["arch"], {}), **a} for a in listed]
    hosts = [i for i, a in enumerate(facts) if a.get("host")]
    if not hosts:
        return []
    ours = facts[hosts[0]:]
    for a in ours[1:]:
        if not a.get("ci_stage"):
            a["ci_stage"] = a["arch"]
    return ours


def cli_path(build_dir):
    """The xtramp CLI of a build tree (target xtramp_cli, OUTPUT_NAME xtramp)."""
    for f in ("cli/xtramp", "bin/xtramp", "xtramp"):
        p = os.path.join(build_dir, f)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def arch_build_dir(a):
    return NATIVE if a.get("host") else os.path.join(B, a["ci_stage"])


def preset_field(kind, name, key):
    """A field of CMakePresets.json's <kind> preset, following "inherits"."""
    with open(os.path.join(ROOT, "CMakePresets.json"), encoding="utf-8") as f:
        presets = {p["name"]: p for p in json.load(f)[kind]}
    todo = [name]
    while todo:
        p = presets[todo.pop(0)]
        if key in p:
            return p[key]
        inh = p.get("inherits", [])
        todo += [inh] if isinstance(inh, str) else inh
    return None


class Run:
    """Counts, logs and the summary of one ci/test run."""

    def __init__(self):
        self.total = [0, 0, 0]  # passed, failed, skipped
        self.rows = []          # (stage, result, seconds, detail)
        self.failures = []
        self.skips = []
        self.partial = []
        self.stage = None
        self.log = None

    def begin(self, name):
        self.stage, self.p, self.f, self.s, self.detail = name, 0, 0, 0, ""
        print(f"\n======== {name} ========", flush=True)
        self.log = open(os.path.join(LOGS, f"{name}.log"), "w", encoding="utf-8")

    def end(self, seconds):
        self.log.close()
        self.log = None
        print(f"-- stage {self.stage}: {seconds:.1f} s", flush=True)
        result = "FAILED" if self.f else ("skipped" if self.s and not self.p else "ok")
        self.rows.append((self.stage, result, f"{seconds:.1f}", self.detail))
        for i, n in enumerate((self.p, self.f, self.s)):
            self.total[i] += n

    def emit(self, text):
        sys.stdout.write(text)
        sys.stdout.flush()
        if self.log:
            self.log.write(text)

    def fail(self, what):
        self.failures.append(f"{self.stage}: {what}")
        self.f += 1

    def skip(self, what):
        self.skips.append(f"{self.stage}: {what}")
        self.s += 1

    def run(self, desc, cmd, env=None, tee=None, cwd=ROOT):
        """Echo and run a command, output to the console and the stage log
        (and `tee`); a non-zero exit is one failure. Returns the exit status."""
        self.emit("+ " + " ".join(cmd) + "\n")
        extra = open(tee, "w", encoding="utf-8") if tee else None
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})},
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, errors="replace")
        except OSError as e:
            self.emit(f"{e}\n")
            rc = 127
        else:
            for line in proc.stdout:
                self.emit(line)
                if extra:
                    extra.write(line)
            rc = proc.wait()
        if extra:
            extra.close()
        if rc != 0 and desc:
            self.emit(f"!! {self.stage}: {desc} failed (exit {rc})\n")
            self.fail(f"{desc} (exit {rc})")
        return rc

    # ---- CMake presets ------------------------------------------------------
    def configure(self, preset, *extra):
        cmd = ["cmake", "--preset", preset]
        if not PRESET_DIRS:
            cmd += ["-B", os.path.join(B, preset)]
        if os.environ.get("XTRAMP_BUILD_TYPE"):
            cmd.append("-DCMAKE_BUILD_TYPE=" + os.environ["XTRAMP_BUILD_TYPE"])
        return self.run(f"configure {preset}", cmd + list(extra)) == 0

    def build(self, preset, targets=None, desc=None):
        if PRESET_DIRS:
            cmd = ["cmake", "--build", "--preset", preset, "-j", JOBS]
        else:
            cmd = ["cmake", "--build", os.path.join(B, preset), "-j", JOBS]
            targets = targets or preset_field("buildPresets", preset, "targets")
        if targets:
            cmd += ["--target", *targets]
        return self.run(desc or f"build {preset}", cmd) == 0

    def ctest(self, preset=None, build_dir=None, env=None):
        """ctest of a preset (or of a plain build directory), folded into
        the counts from its JUnit file."""
        build_dir = build_dir or os.path.join(B, preset)
        junit = os.path.join(LOGS, f"{self.stage}.junit.xml")
        shutil.rmtree(os.path.join(build_dir, "gtest-results"), ignore_errors=True)
        if os.path.exists(junit):
            os.remove(junit)
        if preset and PRESET_DIRS:
            cmd = ["ctest", "--preset", preset]
        else:
            cmd = ["ctest", "--test-dir", build_dir, "--output-on-failure", "--no-tests=error"]
            label = preset and (preset_field("testPresets", preset, "filter") or {}).get(
                "include", {}).get("label")
            cmd += ["-L", label] if label else []
        cmd += ["-j", JOBS, "--timeout", os.environ.get("XTRAMP_TEST_TIMEOUT", "600"),
                "--output-junit", junit]
        console = os.path.join(LOGS, f"{self.stage}.ctest.txt")
        rc = self.run(None, cmd, env=env, tee=console)
        p = f = s = 0
        try:
            results = ctest_junit(junit)
        except (OSError, SyntaxError):  # no file (ctest ran no test), or ET.ParseError
            results = []
        said = console_statuses(console)  # "Timeout" where JUnit only says failed
        for name, status, detail in results:
            if status == "passed":
                p += 1
            elif status == "skipped":
                s += 1
                self.skips.append(f"{self.stage}: ctest {name} (all gtest cases skipped)")
            else:
                f += 1
                self.failures.append(f"{self.stage}: ctest {name} ({said.get(name, detail)})")
        if rc != 0 and f == 0:
            f = 1  # ctest failed without a failing test (e.g. no tests found)
            self.failures.append(f"{self.stage}: ctest exited {rc} in {build_dir}")
        self.p, self.f, self.s = self.p + p, self.f + f, self.s + s
        self.detail += f"ctest {p}p/{f}f/{s}s "
        cases = gtest_cases(os.path.join(build_dir, "gtest-results"))
        if cases:
            self.partial += [f"{self.stage}: {n}" for n in cases[3]]
            self.detail += f"(gtest cases {cases[0]}p/{cases[1]}f/{cases[2]}s) "
        return rc == 0

    def configure_once(self, preset, build_dir):
        """Configure a build directory the earlier stages did not."""
        if os.path.isfile(os.path.join(build_dir, "build.ninja")):
            return True
        return self.configure(preset)

    def summary(self, seconds):
        print("\n======== summary ========")
        print(f"{'stage':<9} {'result':<8} {'wall(s)':>9}  details")
        for a, b, c, d in self.rows:
            print(f"{a:<9} {b:<8} {c:>9}  {d}")
        print(f"{'total':<9} {'':<8} {seconds:>9.1f}")
        for title, items in (("FAILED:", self.failures),
                             ("SKIPPED (counted as skipped, not passed):", self.skips),
                             (f"Skipped gtest cases ({len(self.partial)}; inside the binaries "
                              "above, NOT counted as passed cases):", self.partial)):
            if items:
                print(f"\n{title}")
                print("\n".join(f"  {i}" for i in items))
        print(f"\nlogs: {LOGS}")
        print(f"{self.total[0]} passed, {self.total[1]} failed, {self.total[2]} skipped", flush=True)
