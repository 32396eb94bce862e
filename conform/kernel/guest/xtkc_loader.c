/* xtramp kernel-check: the guest-side loader (built statically with libbpf
 * for each guest arch). For every function named on the command line (in the
 * generated module's order: the position is the index its debugfs trigger
 * takes) and every program kind, it opens the BPF object, attaches that one
 * program to the function (libbpf finds it in the module's BTF), makes the
 * module call the function with graffiti values, and prints one JSON line:
 *
 *   {"xtkc":1,"fn":F,"prog":P,"load_err":E,"attach_err":E,"msg":M,
 *    "runs":N,"nargs":N,"ip":"0x..","slots":["hex",...],"slot_err":[...],
 *    "ret":"hex","ret_err":E,"module":"<the module's record>"}
 *
 * A refused load or attach carries errno and libbpf's and the verifier's text
 * in "msg" and no record. Slots are printed as 64-bit numbers in hex.
 *
 * The fsession step (Linux 7.0+) attaches six programs at once (fentry A,
 * fexit A, fsession 1, fentry B, fexit B, fsession 2, in that order: see
 * xtkc.bpf.c) and prints every record as "recs" (key, runs, nargs, ip, ret,
 * is_return, cookie, cookie_index, seq, slots); then it loads xtkc_fs_skip
 * alone and prints whether the kernel took it ("skip_load_err", "skip_msg")
 * and, if so, what a call did ("skip_entry_runs", "skip_exit_runs",
 * "skip_module").
 *
 * The fsession programs are in a second object (FSESSION_OBJECT, built with
 * -DXTKC_FSESSION: their kfuncs would make libbpf refuse the first one on a
 * kernel before 7.0).
 *
 * Each function argument is INDEX:NAME:STEPS, STEPS a bit mask of what to do
 * (bit 0 the plain call without a program, bits 1-4 fentry, fexit, fmod_ret,
 * fsession):
 * after a crash the host boots again with what is left. Before each step it
 * prints {"xtkc":1,"fn":F,"prog":P,"start":1}, so a step that oopses the
 * kernel is the last one started. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XTKC_SLOTS 16
struct xtkc_rec {
  unsigned long long runs, nargs, ip, ret;
  long long ret_err;
  unsigned long long slot[XTKC_SLOTS];
  long long err[XTKC_SLOTS];
  unsigned long long is_return, cookie, cookie_index, seq;
};
#define XTKC_KEYS 16
/* BPF_TRACE_FSESSION in Linux 7.0's enum bpf_attach_type (the headers here
 * are older than it). */
#define XTKC_TRACE_FSESSION 58

#define XTKC_KINDS 4
static const char *const kinds[XTKC_KINDS] = {"fentry", "fexit", "fmod_ret", "fsession"};
static const char *const progs[XTKC_KINDS] = {"xtkc_fentry", "xtkc_fexit", "xtkc_fmod_ret", ""};
/* The fsession step's programs, in attach order. */
static const char *const session_progs[] = {"xtkc_fentry_a", "xtkc_fexit_a",  "xtkc_fsession",
                                            "xtkc_fentry_b", "xtkc_fexit_b", "xtkc_fsession2"};
#define XTKC_SESSION_PROGS 6
static const char *trigger = "/sys/kernel/debug/xtkc/call";

static char logbuf[1 << 16];
static size_t loglen;
static char verifier_log[1 << 16];

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap) {
  if (level == LIBBPF_DEBUG) return 0;
  if (loglen < sizeof logbuf - 1) {
    int n = vsnprintf(logbuf + loglen, sizeof logbuf - loglen, fmt, ap);
    if (n > 0) loglen += (size_t)n < sizeof logbuf - loglen ? (size_t)n : sizeof logbuf - 1 - loglen;
  }
  return 0;
}

static void json_str(const char *s) {
  putchar('"');
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c == '\n') printf("\\n");
    else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

/* Makes the module call function `idx`; its record (one line) into `out`. */
static int call_module(int idx, char *out, size_t outsz) {
  char buf[32];
  int fd = open(trigger, O_RDWR);
  if (fd < 0) return -errno;
  int n = snprintf(buf, sizeof buf, "%d\n", idx);
  if (write(fd, buf, (size_t)n) != n) {
    int e = -errno;
    close(fd);
    return e;
  }
  lseek(fd, 0, SEEK_SET);
  ssize_t r = read(fd, out, outsz - 1);
  close(fd);
  if (r < 0) return -errno;
  out[r] = 0;
  while (r > 0 && (out[r - 1] == '\n')) out[--r] = 0;
  return 0;
}

static int is_session(const char *name) {
  return strcmp(name, "xtkc_fsession") == 0 || strcmp(name, "xtkc_fsession2") == 0 ||
         strcmp(name, "xtkc_fs_skip") == 0;
}

static int wanted(const char *name, const char *const *names, int n) {
  for (int i = 0; i < n; ++i)
    if (strcmp(name, names[i]) == 0) return 1;
  return 0;
}

/* Opens the object with only `names` to load, each attached to fn; loads it.
 * 0 or a positive errno (libbpf's and the verifier's words in logbuf). */
static int open_and_load(const char *obj_path, const char *fn, const char *const *names, int n,
                         struct bpf_object **out) {
  loglen = 0;
  logbuf[0] = 0;
  verifier_log[0] = 0;
  struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
  *out = obj;
  if (!obj) return errno ? errno : EINVAL;
  struct bpf_program *p;
  int found = 0, e = 0;
  bpf_object__for_each_program(p, obj) {
    int mine = wanted(bpf_program__name(p), names, n);
    bpf_program__set_autoload(p, mine);
    if (!mine) continue;
    ++found;
    if (is_session(bpf_program__name(p)))
      bpf_program__set_expected_attach_type(p, (enum bpf_attach_type)XTKC_TRACE_FSESSION);
    bpf_program__set_log_buf(p, verifier_log, sizeof verifier_log);
    bpf_program__set_log_level(p, 1);
    if (!e) e = bpf_program__set_attach_target(p, 0, fn);
  }
  if (found != n) return ENOENT;
  if (e == 0) e = bpf_object__load(obj);
  return e < 0 ? -e : e;
}

static void print_msg(const char *key) {
  /* libbpf's lines, then the tail of the verifier log */
  size_t vl = strlen(verifier_log);
  strncat(logbuf, vl > 2000 ? verifier_log + vl - 2000 : verifier_log,
          sizeof logbuf - strlen(logbuf) - 1);
  printf(",\"%s\":", key);
  json_str(logbuf);
}

static void print_rec(unsigned key, const struct xtkc_rec *r) {
  printf("{\"key\":%u,\"runs\":%llu,\"nargs\":%llu,\"ip\":\"0x%llx\",\"ret\":\"%016llx\"", key,
         r->runs, r->nargs, r->ip, r->ret);
  printf(",\"ret_err\":%lld,\"is_return\":%llu,\"cookie\":\"%016llx\",\"cookie_index\":%llu", r->ret_err,
         r->is_return, r->cookie, r->cookie_index);
  printf(",\"seq\":%llu,\"slots\":[", r->seq);
  for (int i = 0; i < XTKC_SLOTS; ++i) printf("%s\"%016llx\"", i ? "," : "", r->slot[i]);
  printf("],\"slot_err\":[");
  for (int i = 0; i < XTKC_SLOTS; ++i) printf("%s%lld", i ? "," : "", r->err[i]);
  printf("]}");
}

static void read_rec(struct bpf_object *obj, unsigned key, struct xtkc_rec *rec) {
  memset(rec, 0, sizeof *rec);
  struct bpf_map *map = bpf_object__find_map_by_name(obj, "xtkc_seen");
  if (map) bpf_map__lookup_elem(map, &key, sizeof key, rec, sizeof *rec, 0);
}

/* The fsession step. */
static void run_session(const char *obj_path, const char *fn, int idx) {
  static char record[1 << 14];
  struct bpf_object *obj = NULL;
  struct bpf_link *links[XTKC_SESSION_PROGS] = {0};
  int attach_err = 0;
  int load_err = open_and_load(obj_path, fn, session_progs, XTKC_SESSION_PROGS, &obj);
  for (int i = 0; !load_err && i < XTKC_SESSION_PROGS && !attach_err; ++i) {
    struct bpf_program *p = bpf_object__find_program_by_name(obj, session_progs[i]);
    links[i] = p ? bpf_program__attach(p) : NULL;
    if (!links[i]) attach_err = errno ? errno : ENOENT;
  }
  printf("{\"xtkc\":1,\"fn\":\"%s\",\"prog\":\"fsession\",\"load_err\":%d,\"attach_err\":%d", fn,
         load_err, attach_err);
  if (load_err || attach_err) {
    print_msg("msg");
  } else {
    int ce = call_module(idx, record, sizeof record);
    printf(",\"call_err\":%d,\"module\":", ce);
    json_str(ce ? "" : record);
    printf(",\"recs\":[");
    for (unsigned k = 3; k <= 10; ++k) {
      struct xtkc_rec rec;
      read_rec(obj, k, &rec);
      if (k > 3) putchar(',');
      print_rec(k, &rec);
    }
    printf("]");
  }
  for (int i = 0; i < XTKC_SESSION_PROGS; ++i)
    if (links[i]) bpf_link__destroy(links[i]);
  if (obj) bpf_object__close(obj);

  /* A non-zero result from the entry half. */
  static const char *const skip[] = {"xtkc_fs_skip"};
  struct bpf_link *link = NULL;
  load_err = open_and_load(obj_path, fn, skip, 1, &obj);
  printf(",\"skip_load_err\":%d", load_err);
  if (load_err) {
    print_msg("skip_msg");
  } else {
    struct bpf_program *p = bpf_object__find_program_by_name(obj, "xtkc_fs_skip");
    link = p ? bpf_program__attach(p) : NULL;
    printf(",\"skip_attach_err\":%d", link ? 0 : (errno ? errno : ENOENT));
    if (link) {
      int ce = call_module(idx, record, sizeof record);
      struct xtkc_rec en, ex;
      read_rec(obj, 11, &en);
      read_rec(obj, 12, &ex);
      printf(",\"skip_call_err\":%d,\"skip_entry_runs\":%llu,\"skip_exit_runs\":%llu", ce, en.runs,
             ex.runs);
      printf(",\"skip_module\":");
      json_str(ce ? "" : record);
      bpf_link__destroy(link);
    }
  }
  if (obj) bpf_object__close(obj);
  printf("}\n");
  fflush(stdout);
}

static void run_one(const char *obj_path, const char *fn, int idx, int kind) {
  static char record[1 << 14];
  struct bpf_object *obj = NULL;
  struct bpf_link *link = NULL;
  int load_err = 0, attach_err = 0;
  loglen = 0;
  logbuf[0] = 0;
  verifier_log[0] = 0;
  obj = bpf_object__open_file(obj_path, NULL);
  if (!obj) {
    printf("{\"xtkc\":1,\"fn\":\"%s\",\"prog\":\"%s\",\"load_err\":%d,\"msg\":", fn, kinds[kind],
           errno);
    json_str(logbuf);
    printf("}\n");
    return;
  }
  struct bpf_program *prog = NULL, *p;
  bpf_object__for_each_program(p, obj) {
    int mine = strcmp(bpf_program__name(p), progs[kind]) == 0;
    bpf_program__set_autoload(p, mine);
    if (mine) prog = p;
  }
  if (!prog) {
    load_err = ENOENT;
  } else {
    bpf_program__set_log_buf(prog, verifier_log, sizeof verifier_log);
    bpf_program__set_log_level(prog, 1);
    int e = bpf_program__set_attach_target(prog, 0, fn);
    if (e == 0) e = bpf_object__load(obj);
    if (e) load_err = -e;
  }
  if (!load_err) {
    link = bpf_program__attach(prog);
    if (!link) attach_err = errno;
  }
  printf("{\"xtkc\":1,\"fn\":\"%s\",\"prog\":\"%s\",\"load_err\":%d,\"attach_err\":%d", fn,
         kinds[kind], load_err, attach_err);
  if (load_err || attach_err) {
    printf(",\"msg\":");
    /* libbpf's lines, then the tail of the verifier log */
    size_t vl = strlen(verifier_log);
    strncat(logbuf, vl > 2000 ? verifier_log + vl - 2000 : verifier_log,
            sizeof logbuf - strlen(logbuf) - 1);
    json_str(logbuf);
    printf("}\n");
    bpf_object__close(obj);
    fflush(stdout);
    return;
  }
  int ce = call_module(idx, record, sizeof record);
  struct xtkc_rec rec;
  memset(&rec, 0, sizeof rec);
  unsigned int key = (unsigned int)kind;
  struct bpf_map *map = bpf_object__find_map_by_name(obj, "xtkc_seen");
  int me = map ? bpf_map__lookup_elem(map, &key, sizeof key, &rec, sizeof rec, 0) : -ENOENT;
  printf(",\"call_err\":%d,\"map_err\":%d,\"runs\":%llu,\"nargs\":%llu,\"ip\":\"0x%llx\"", ce, me,
         rec.runs, rec.nargs, rec.ip);
  printf(",\"slots\":[");
  for (int i = 0; i < XTKC_SLOTS; ++i) printf("%s\"%016llx\"", i ? "," : "", rec.slot[i]);
  printf("],\"slot_err\":[");
  for (int i = 0; i < XTKC_SLOTS; ++i) printf("%s%lld", i ? "," : "", rec.err[i]);
  printf("],\"ret\":\"%016llx\",\"ret_err\":%lld,\"module\":", rec.ret, rec.ret_err);
  json_str(ce ? "" : record);
  printf("}\n");
  fflush(stdout);
  bpf_link__destroy(link);
  bpf_object__close(obj);
}

static void start(const char *fn, const char *prog) {
  printf("{\"xtkc\":1,\"fn\":\"%s\",\"prog\":\"%s\",\"start\":1}\n", fn, prog);
  fflush(stdout);
  sync(); /* the console line is out before the step can oops */
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s BPF_OBJECT FSESSION_OBJECT INDEX:FUNCTION:STEPS...\n", argv[0]);
    return 2;
  }
  libbpf_set_print(print_cb);
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 3; i < argc; ++i) {
    char fn[256];
    int idx = 0;
    unsigned steps = 0;
    if (sscanf(argv[i], "%d:%255[^:]:%u", &idx, fn, &steps) != 3) {
      fprintf(stderr, "bad function argument %s\n", argv[i]);
      return 2;
    }
    if (steps & 1) {
      char record[1 << 14];
      start(fn, "none");
      int e = call_module(idx, record, sizeof record); /* no program: the plain call */
      printf("{\"xtkc\":1,\"fn\":\"%s\",\"prog\":\"none\",\"call_err\":%d,\"module\":", fn, e);
      json_str(e ? "" : record);
      printf("}\n");
    }
    for (int k = 0; k < XTKC_KINDS; ++k)
      if (steps & (2u << k)) {
        start(fn, kinds[k]);
        if (k == 3)
          run_session(argv[2], fn, idx);
        else
          run_one(argv[1], fn, idx, k);
      }
  }
  printf("{\"xtkc\":1,\"done\":1}\n");
  return 0;
}
