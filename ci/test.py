#!/usr/bin/env python3
"""ci/test: THE test command (README: `bash ci/test`). Runs every test.

  deps      ci/install-deps (idempotent; a no-op when all is installed)
  native    host build, RelWithDebInfo, -Wall -Wextra -Werror, ctest
  asan      host build with ASan+UBSan (-DXTRAMP_SANITIZE=ON), ctest
  tsan      host build with TSan (-DXTRAMP_TSAN=ON): the tests labelled
            "concurrency" (trampolines, code memory, the bounded stress run)
  aarch64   cross build, ctest under qemu-aarch64   (x86-64 hosts)
  s390x     cross build, ctest under qemu-s390x     (x86-64 and arm64 hosts)
  kernel    the kernel oracle: `xtramp kernel-check` builds a module from the
            kernel-compilable corpus (conform/corpus: kernel selftests, RFC
            cases, odd structs) per arch in the build root, boots that
            arch's Debian kernel and attaches real fentry/fexit/fmod_ret
            programs; every verdict (function x arch x program) that agrees
            with xtramp's `linux` model counts as passed, a disagreement or
            a verdict that could not be taken as failed. Once per kernel of
            $XTRAMP_KERNEL_VERSIONS (default "newest 6.12": sid's 7.x and
            trixie's 6.12 LTS) and arch of $XTRAMP_KERNEL_ARCHES
  matrix    xtramp matrix: the built-in corpus and $XTRAMP_MATRIX_COUNT (2000)
            generated signatures round-tripped on every arch this host can
            run (x86-64 natively, arm64 and s390x under qemu) under psabi
            and linux, and (psabi) with the caller and the callee from
            different compilers (GCC 12, the build root's GCC 16, clang
            14) on the first 500 functions of each file; ci/check-matrix
            then requires psabi to pass everywhere, no finding between two
            GCCs, and linux to fail where the kernel JITs are wrong.
            Report: build/matrix.md (docs/matrix.md is ci/setup-and-run's)
  install   cmake --install of the native build into build/install, then
            selftests/install_consumer (find_package + pkg-config) against it
  fuzz      clang build with -DXTRAMP_FUZZ=ON, xtramp_fuzz_btf for
            $XTRAMP_FUZZ_SECONDS (60) seconds
  vm        real kernels: `xtramp vm` boots the newest cached Debian kernel
            of x86-64, arm64 and s390x under qemu-system (TCG, 2 vCPUs),
            once per arch, and runs inside it the trampoline tests (attach,
            entry patch, round trips, every attach mode) and the bounded
            xtramp-stress run of that arch's build, and the code-memory
            tests (W^X, writing code as the process's tracer), on the
            kernels' own command line (docs/vm.md). Each binary counts as
            one test (all gtest cases skipped: skipped); a guest that
            panics, hangs or does not boot fails the binaries it did not run.

The builds are CMakePresets.json's presets (native asan tsan aarch64 s390x
fuzz, in build/<preset>; `cmake --workflow --preset native` runs one by hand).
Prints the wall time of every stage and a summary. Result counting, from
`ctest --output-junit` (ci/ctest_results.py):
  * every ctest test is passed, failed or skipped (a gtest binary whose cases
    all skipped is "skipped", never "passed"; see cmake/XtrampGtest.cmake);
  * a binary in which only SOME gtest cases skipped counts as passed, and
    the skipped case names are listed in the summary;
  * a stage step outside ctest (configure, build, install, consumer, fuzz
    run) that fails counts as one failure; the fuzz run counts as one test,
    and as one skip if the fuzz target does not exist yet.
The last line is "N passed, N failed, N skipped". Exit status 0 only if
nothing failed (and, with --fail-on-skip, nothing was skipped); 2 for a bad
option or stage name.

Usage: ci/test [--quick] [--stages a,b,...] [--no-deps] [--fail-on-skip]
               [--fuzz-seconds N] [--keep-going]
  --quick        native build + ctest only (for developers)
  --stages LIST  run these stages (names above, comma separated)
  --no-deps      do not run ci/install-deps
  --keep-going   accepted for compatibility: every stage always runs
Environment: XTRAMP_JOBS (2), XTRAMP_BUILD (build), XTRAMP_FUZZ_SECONDS (60),
             XTRAMP_MATRIX_COUNT (2000), XTRAMP_VM_TIMEOUT (900 s per guest),
             XTRAMP_TEST_TIMEOUT (600 s per ctest test; a hang is a failure),
             XTRAMP_KERNEL_VERSIONS, XTRAMP_KERNEL_ARCHES (see kernel above).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no ci/__pycache__ in the source tree
from ci_run import B, JOBS, LOGS, NATIVE, ROOT, Run, arch_build_dir, arch_facts, cli_path  # noqa: E402

STAGES = ("native", "asan", "tsan", "aarch64", "s390x", "vm", "kernel", "matrix", "install", "fuzz")
ASAN = "detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"


def sanitizer_env(**defaults):
    """The sanitizer options, unless the caller's environment sets them."""
    return {k: os.environ.get(k, v) for k, v in defaults.items()}


def stage_native(r, _):
    return r.configure("native") and r.build("native") and r.ctest("native")


def stage_asan(r, _):
    return r.configure("asan") and r.build("asan") and r.ctest(
        "asan", env=sanitizer_env(ASAN_OPTIONS=ASAN,
                                  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"))


# ThreadSanitizer on what is concurrent (ctest label "concurrency"): the
# trampoline tests (attach / detach / entry patching while threads call), the
# code allocator, and the bounded xtramp-stress run (4 callers, a fifth thread
# attaching).
def stage_tsan(r, _):
    return r.configure("tsan") and r.build("tsan") and r.ctest(
        "tsan", env=sanitizer_env(TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"))


def cross_arch(stage):
    return next((a for a in arch_facts() if a.get("ci_stage") == stage and not a.get("host")), None)


def toolchain_arg(a):
    tc = a.get("toolchain_file")
    return [f"-DCMAKE_TOOLCHAIN_FILE={os.path.join(ROOT, tc)}"] if tc else []


def stage_cross(r, args):
    a = cross_arch(r.stage)
    if a is None:
        r.fail(f"this host does not build {r.stage}")
        return False
    if not shutil.which(a["qemu_user"]):
        r.run(f"find {a['qemu_user']}", ["false"])
        return False
    return r.configure(r.stage, *toolchain_arg(a)) and r.build(r.stage) and r.ctest(r.stage)


def configure_arch(r, a):
    """Configure an arch's build directory if no earlier stage did."""
    if a.get("host"):
        return r.configure_once("native", NATIVE)
    if os.path.isfile(os.path.join(arch_build_dir(a), "build.ninja")):
        return True
    return r.configure(a["ci_stage"], *toolchain_arg(a))


def native_cli(r, *targets):
    """Build xtramp (and targets) natively; the path of the xtramp binary."""
    if not configure_arch(r, {"host": True}):
        return None
    if not r.build("native", ["xtramp_cli", *targets],
                   desc=f"build {' '.join(['xtramp_cli', *targets])} (native)"):
        return None
    cli = cli_path(NATIVE)
    if not cli:
        r.run("find the xtramp binary", ["false"])
    return cli


def stage_matrix(r, _):
    # The stages before built everything; alone, build just what matrix needs.
    cli = native_cli(r, "xtramp_conform_runner")
    if not cli:
        return False
    facts = arch_facts()
    for a in facts[1:]:
        if not (configure_arch(r, a) and r.build(a["ci_stage"], ["xtramp_conform_runner"])):
            return False
    arches = ",".join(a["arch"] for a in facts)
    count = os.environ.get("XTRAMP_MATRIX_COUNT", "2000")
    report, js, err = os.path.join(B, "matrix.md"), os.path.join(LOGS, "matrix.json"), \
        os.path.join(LOGS, "matrix.stderr")
    r.emit(f"+ {cli} matrix --arch {arches} --count {count} --json --out {report}\n")
    with open(js, "w") as out, open(err, "w") as e:
        rc = subprocess.run([cli, "matrix", "--quiet", "--arch", arches, "--count", count, "--json",
                             "--out", report], stdout=out, stderr=e, stdin=subprocess.DEVNULL).returncode
    with open(err, errors="replace") as e:
        r.emit(e.read())
    if r.run("ci/check-matrix", ["python3", os.path.join(ROOT, "ci/check-matrix"), "--json", js,
                                 "--stderr", err, "--exit-code", str(rc), "--arches", arches,
                                 "--report", report]) == 0:
        r.p += 1
    r.detail += f"(report {report}) "


def results_lines(cmd):
    """The tab-separated lines of ci/vm-results or ci/kernel-results."""
    out = subprocess.run(["python3", *cmd], capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


# Real kernels (conform/vm, `xtramp vm`): one boot per arch runs that arch's
# trampoline tests and bounded stress run. The earlier stages built them;
# alone, this stage builds just what it needs.
def stage_vm(r, _):
    facts = arch_facts()
    targets = ["xtramp_tramp_test", "xtramp_exec_test", "xtramp-stress"]
    if not native_cli(r):
        return False
    for a in facts:
        preset = "native" if a.get("host") else a["ci_stage"]
        if not (configure_arch(r, a) and r.build(preset, targets,
                                                 desc=f"build {' '.join(targets)} ({a['arch']})")):
            return False
    cli = cli_path(NATIVE)
    noise = re.compile(r"^\[[a-z0-9_]*\] \[ *[0-9.]*\] ")  # the guest's kernel log
    for a in facts:
        d, arch = arch_build_dir(a), a["arch"]
        tramp = f"{d}/selftests/tramp/xtramp_tramp_test"
        stress = f"{d}/selftests/stress/xtramp-stress"
        exe = f"{d}/selftests/exec/xtramp_exec_test"
        js, console = f"{LOGS}/vm-{arch}.json", f"{LOGS}/vm-{arch}.console"
        r.emit(f"+ {cli} vm --arch {arch} --json ({tramp}, {exe}, {stress} --calls 2000000)\n")
        cmd = [cli, "vm", "--arch", arch, "--json",
               "--timeout", os.environ.get("XTRAMP_VM_TIMEOUT", "900"),
               "--bin", tramp,
               "--file", f"{d}/selftests/tramp/CMakeFiles/xtramp_tramp_targets.dir/targets.c.o",
               "--bin", stress,
               "--file", f"{d}/selftests/stress/CMakeFiles/xtramp_stress_targets.dir/stress_targets.c.o",
               "--bin", exe,
               "--gtest", f"xtramp_tramp_test={tramp}", "--gtest", f"xtramp_exec_test={exe}",
               "--test", f"xtramp_stress_bounded={stress} --calls 2000000"]
        with open(js, "w") as out, open(console, "w") as con:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, text=True,
                                    errors="replace", stdin=subprocess.DEVNULL)
            for line in proc.stderr:
                con.write(line)
                if not noise.match(line):
                    r.emit(line)
            rc = proc.wait()
        vm_count(r, arch, js, rc)


def vm_count(r, arch, js, rc):
    """Fold one guest's results (ci/vm-results, one line per test) into the counts."""
    if not os.path.getsize(js):
        r.fail(f"{arch}: xtramp vm exited {rc} without results (see {LOGS}/vm-{arch}.console)")
        return
    p = f = s = 0
    for st, name, *rest in results_lines([os.path.join(ROOT, "ci/vm-results"), js]):
        detail = rest[0] if rest else ""
        if st == "passed":
            p += 1
        elif st == "skipped":
            s += 1
            r.skips.append(f"vm: {arch}: {name} ({detail})")
        elif st == "partial":
            r.partial.append(f"vm: {arch}: {name}")
        elif st == "kernel":
            r.detail += f"{arch}: {name} "
        else:
            f += 1
            r.failures.append(f"vm: {arch}: {name}: {detail}")
    r.p, r.f, r.s = r.p + p, r.f + f, r.s + s
    r.detail += f"{p}p/{f}f/{s}s; "


# The kernel oracle on the corpus, one kernel-check (one module, one boot)
# per arch; rows counted by ci/kernel-results.
def stage_kernel(r, _):
    cli = native_cli(r)
    if not cli:
        return False
    arches = os.environ.get("XTRAMP_KERNEL_ARCHES") or " ".join(a["arch"] for a in arch_facts())
    for v in os.environ.get("XTRAMP_KERNEL_VERSIONS", "newest 6.12").split():
        for arch in arches.split():
            js, err = f"{LOGS}/kernel-{v}-{arch}.json", f"{LOGS}/kernel-{v}-{arch}.stderr"
            r.emit(f"+ {cli} kernel-check --arch {arch} --kernel {v} --json --corpus\n")
            with open(js, "w") as out, open(err, "w") as e:
                rc = subprocess.run([cli, "kernel-check", "--arch", arch, "--kernel", v, "--json",
                                     "--corpus"], stdout=out, stderr=e,
                                    stdin=subprocess.DEVNULL).returncode
            with open(err, errors="replace") as e:
                r.emit("".join([l for l in e.readlines() if not l.startswith("[")][-20:]))
            for st, what, *_ in results_lines([os.path.join(ROOT, "ci/kernel-results"), js,
                                               str(rc), err]):
                if st == "passed":
                    r.p += 1
                elif st == "skipped":
                    r.s += 1
                    r.skips.append(f"kernel: {arch} ({v}): {what}")
                elif st == "kernel":
                    r.detail += f"{arch}: {what} "
                else:
                    r.f += 1
                    r.failures.append(f"kernel: {arch} ({v}): {what}")


INSTALLED = ("include/xtramp/btf/btf_file.hpp", "include/xtramp/common/func_model.hpp",
             "lib/libxtramp.a", "lib/cmake/xtramp/xtrampConfig.cmake",
             "lib/cmake/xtramp/xtrampConfigVersion.cmake", "lib/cmake/xtramp/xtrampTargets.cmake",
             "lib/pkgconfig/xtramp.pc", "bin/xtramp")


def stage_install(r, _):
    prefix, cdir = os.path.join(B, "install"), os.path.join(B, "consumer")
    built = os.path.isfile(os.path.join(NATIVE, "build.ninja")) and subprocess.run(
        ["cmake", "--build", NATIVE, "-j", JOBS], capture_output=True).returncode == 0
    if not built and not (r.configure("native") and r.build("native")):
        return False
    shutil.rmtree(prefix, ignore_errors=True)
    shutil.rmtree(cdir, ignore_errors=True)
    if r.run("cmake --install", ["cmake", "--install", NATIVE, "--prefix", prefix]):
        return False
    missing = [f for f in INSTALLED if not os.path.exists(os.path.join(prefix, f))]
    for f in missing:
        r.emit(f"!! install: {prefix}/{f} missing\n")
    if r.run("installed file check", ["test", str(len(missing)), "=", "0"]):
        return False
    if r.run("pkg-config --static --libs xtramp",
             ["pkg-config", "--static", "--cflags", "--libs", "xtramp"],
             env={"PKG_CONFIG_PATH": os.path.join(prefix, "lib/pkgconfig")}):
        return False
    return (r.run("configure install_consumer",
                  ["cmake", "-S", os.path.join(ROOT, "selftests/install_consumer"), "-B", cdir,
                   "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_PREFIX_PATH={prefix}"]) == 0
            and r.run("build install_consumer", ["cmake", "--build", cdir, "-j", JOBS]) == 0
            and r.ctest(build_dir=cdir))


def stage_fuzz(r, args):
    # selftests/fuzz registers the libFuzzer run as the ctest test
    # xtramp_fuzz_btf (label "fuzz"; run for XTRAMP_FUZZ_SECONDS on the seed
    # corpus that xtramp_fuzz_corpus writes; findings go to fuzz-artifacts/).
    target = "xtramp_fuzz_btf"
    if not shutil.which("clang++"):
        r.run("find clang++", ["false"])
        return False
    if not r.configure("fuzz", f"-DXTRAMP_FUZZ_SECONDS={args.fuzz_seconds}"):
        return False
    targets_help = subprocess.run(["cmake", "--build", os.path.join(B, "fuzz"), "--target", "help"],
                                  capture_output=True, text=True).stdout
    if not re.search(f"^{target}:", targets_help, re.M):
        bang = "!" * 77
        r.emit(f"\n{bang}\n!! SKIPPED: the fuzz target '{target}' does not exist (selftests/fuzz does\n"
               f"!! not define it yet). NO FUZZING WAS DONE.\n{bang}\n")
        r.skip(f"target {target} does not exist, no fuzzing done")
        r.detail += f"target {target} missing "
        return True
    targets = [target] + (["xtramp_fuzz_corpus"]
                          if re.search("^xtramp_fuzz_corpus:", targets_help, re.M) else [])
    return r.build("fuzz", targets, desc=f"build {' '.join(targets)}") and r.ctest(
        "fuzz", env=sanitizer_env(ASAN_OPTIONS="detect_leaks=1"))


def default_stages():
    cross = [a["ci_stage"] for a in arch_facts()[1:]]
    real = ["vm", "kernel", "matrix"] if cross else []
    return ["native", "asan", "tsan", *cross, *real, "install", "fuzz"]


def parse_args(argv):
    class Parser(argparse.ArgumentParser):
        def error(self, message):
            print(f"ci/test: {message} (see --help)", file=sys.stderr)
            sys.exit(2)

    ap = Parser(prog="ci/test", add_help=False)
    ap.add_argument("-h", "--help", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--stages")
    ap.add_argument("--no-deps", action="store_true")
    ap.add_argument("--fail-on-skip", action="store_true")
    ap.add_argument("--fuzz-seconds", default=os.environ.get("XTRAMP_FUZZ_SECONDS", "60"))
    ap.add_argument("--keep-going", action="store_true")
    args = ap.parse_args(argv)
    if args.help:
        print(__doc__.rstrip())
        sys.exit(0)
    if args.quick:
        args.stages = ["native"]
    elif args.stages is not None:
        args.stages = args.stages.split(",")
    else:
        args.stages = default_stages()
    for s in args.stages:
        if s not in STAGES:
            print(f"ci/test: unknown stage '{s}' (stages: {' '.join(STAGES)})", file=sys.stderr)
            sys.exit(2)
    return args


def stage_deps(r, args):
    native_only = not any(s in ("aarch64", "s390x", "matrix", "vm", "kernel") for s in args.stages)
    r.run("ci/install-deps", ["bash", os.path.join(ROOT, "ci/install-deps"),
                              *(["--native-only"] if native_only else [])])


def main(argv):
    args = parse_args(argv)
    os.chdir(ROOT)
    os.makedirs(LOGS, exist_ok=True)
    r = Run()
    t_all = time.monotonic()
    stages = (["deps"] if not args.no_deps else []) + args.stages
    for s in stages:
        r.begin(s)
        t0 = time.monotonic()
        if s == "deps":
            stage_deps(r, args)
        elif s in ("aarch64", "s390x"):
            stage_cross(r, args)
        else:
            globals()[f"stage_{s}"](r, args)
        r.end(time.monotonic() - t0)
    r.summary(time.monotonic() - t_all)
    if r.total[1]:
        return 1
    if args.fail_on_skip and (r.total[2] or r.partial):
        print("ci/test: --fail-on-skip and something was skipped", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
