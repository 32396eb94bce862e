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
 * Each function argument is INDEX:NAME:STEPS, STEPS a bit mask of what to do
 * (bit 0 the plain call without a program, bits 1-3 fentry, fexit, fmod_ret):
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
};

static const char *const kinds[] = {"fentry", "fexit", "fmod_ret"};
static const char *const progs[] = {"xtkc_fentry", "xtkc_fexit", "xtkc_fmod_ret"};
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
  if (argc < 3) {
    fprintf(stderr, "usage: %s BPF_OBJECT INDEX:FUNCTION:STEPS...\n", argv[0]);
    return 2;
  }
  libbpf_set_print(print_cb);
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 2; i < argc; ++i) {
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
    for (int k = 0; k < 3; ++k)
      if (steps & (2u << k)) {
        start(fn, kinds[k]);
        run_one(argv[1], fn, idx, k);
      }
  }
  printf("{\"xtkc\":1,\"done\":1}\n");
  return 0;
}
