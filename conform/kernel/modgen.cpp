#include "conform/kernel/modgen.hpp"

#include <bpf/btf.h>

#include <filesystem>
#include <memory>
#include <set>

#include "btf/floating_point.hpp"
#include "common/error.hpp"
#include "conform/host/c_decls.hpp"

namespace xtramp::conform::kernel {
namespace {

namespace fs = std::filesystem;

bool is_bool(const struct btf* b, uint32_t id) {
  while (id != 0) {
    const struct btf_type* t = btf__type_by_id(b, id);
    const int k = btf_kind(t);
    if (k == BTF_KIND_TYPEDEF || k == BTF_KIND_CONST || k == BTF_KIND_VOLATILE ||
        k == BTF_KIND_RESTRICT || k == BTF_KIND_TYPE_TAG) {
      id = t->type;
      continue;
    }
    return k == BTF_KIND_INT && (btf_int_encoding(t) & BTF_INT_BOOL) != 0;
  }
  return false;
}

// The statement giving local `var` of BTF type `id` its graffiti as value `index`.
std::string fill(const struct btf* b, uint32_t id, const std::string& var, unsigned index) {
  if (is_bool(b, id)) return "  " + var + " = 1;\n";
  return "  xtkc_fill(&" + var + ", sizeof " + var + ", " + std::to_string(index) + ");\n";
}

constexpr const char* kPrologue = R"(#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/uaccess.h>
)";

constexpr const char* kRuntime = R"(
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xtramp kernel-check: functions that record the bytes they receive");

#define XTKC_MAX_ARGS 32
#define XTKC_MAX_BYTES 256
static unsigned char xtkc_in[XTKC_MAX_ARGS][XTKC_MAX_BYTES];
static unsigned int xtkc_in_len[XTKC_MAX_ARGS];
static unsigned int xtkc_nin;
static unsigned char xtkc_out[XTKC_MAX_BYTES];
static unsigned int xtkc_out_len;
static unsigned long xtkc_called;
static unsigned int xtkc_align[XTKC_MAX_ARGS];
static unsigned int xtkc_nalign;

/* Graffiti: byte k of value i is 0x11 * (i + 1) + k (conform's encoding). */
static void xtkc_fill(void *p, unsigned long n, unsigned int idx)
{
	unsigned char *b = p;
	unsigned long k;

	for (k = 0; k < n; ++k)
		b[k] = (unsigned char)(0x11u * (idx + 1) + k);
}

static void xtkc_in_arg(unsigned int i, const void *p, unsigned long n)
{
	if (i >= XTKC_MAX_ARGS)
		return;
	memcpy(xtkc_in[i], p, n < XTKC_MAX_BYTES ? n : XTKC_MAX_BYTES);
	xtkc_in_len[i] = n < XTKC_MAX_BYTES ? n : XTKC_MAX_BYTES;
	if (i + 1 > xtkc_nin)
		xtkc_nin = i + 1;
}

static void xtkc_out_ret(const void *p, unsigned long n)
{
	memcpy(xtkc_out, p, n < XTKC_MAX_BYTES ? n : XTKC_MAX_BYTES);
	xtkc_out_len = n < XTKC_MAX_BYTES ? n : XTKC_MAX_BYTES;
}
)";

constexpr const char* kTrigger = R"(
static char xtkc_text[3 * XTKC_MAX_ARGS * XTKC_MAX_BYTES];
static size_t xtkc_text_len;
static DEFINE_MUTEX(xtkc_lock);

/* Crash recovery's own test (xtramp kernel-check --oops-at): the second call
 * of function xtkc_oops (the first with a program attached) hits BUG(). */
static int xtkc_oops = -1;
module_param(xtkc_oops, int, 0);
static unsigned int xtkc_oops_calls;

static void xtkc_put_hex(const unsigned char *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; ++i)
		xtkc_text_len += scnprintf(xtkc_text + xtkc_text_len,
					   sizeof(xtkc_text) - xtkc_text_len, "%02x", b[i]);
}

static ssize_t xtkc_write(struct file *f, const char __user *ubuf, size_t n, loff_t *pos)
{
	unsigned long idx;
	unsigned int i;
	int err = kstrtoul_from_user(ubuf, n, 10, &idx);

	if (err)
		return err;
	if (idx >= ARRAY_SIZE(xtkc_calls))
		return -EINVAL;
	mutex_lock(&xtkc_lock);
	memset(xtkc_in_len, 0, sizeof(xtkc_in_len));
	xtkc_nin = 0;
	xtkc_out_len = 0;
	xtkc_called = 0;
	xtkc_nalign = 0;
	if ((long)idx == xtkc_oops && ++xtkc_oops_calls == 2)
		BUG();
	xtkc_calls[idx]();
	xtkc_text_len = scnprintf(xtkc_text, sizeof(xtkc_text), "fn=%lu addr=0x%lx called=%lu in=",
				  idx, (unsigned long)xtkc_fns[idx], xtkc_called);
	for (i = 0; i < xtkc_nin; ++i) {
		if (i)
			xtkc_text_len += scnprintf(xtkc_text + xtkc_text_len,
						   sizeof(xtkc_text) - xtkc_text_len, ",");
		xtkc_put_hex(xtkc_in[i], xtkc_in_len[i]);
	}
	xtkc_text_len += scnprintf(xtkc_text + xtkc_text_len, sizeof(xtkc_text) - xtkc_text_len,
				   " out=");
	xtkc_put_hex(xtkc_out, xtkc_out_len);
	xtkc_text_len += scnprintf(xtkc_text + xtkc_text_len, sizeof(xtkc_text) - xtkc_text_len,
				   " align=");
	for (i = 0; i < xtkc_nalign && i < XTKC_MAX_ARGS; ++i)
		xtkc_text_len += scnprintf(xtkc_text + xtkc_text_len,
					   sizeof(xtkc_text) - xtkc_text_len, "%s%u", i ? "," : "",
					   xtkc_align[i]);
	xtkc_text_len += scnprintf(xtkc_text + xtkc_text_len, sizeof(xtkc_text) - xtkc_text_len,
				   "\n");
	mutex_unlock(&xtkc_lock);
	return n;
}

static ssize_t xtkc_read(struct file *f, char __user *ubuf, size_t n, loff_t *pos)
{
	ssize_t r;

	mutex_lock(&xtkc_lock);
	r = simple_read_from_buffer(ubuf, n, pos, xtkc_text, xtkc_text_len);
	mutex_unlock(&xtkc_lock);
	return r;
}

static const struct file_operations xtkc_fops = {
	.owner = THIS_MODULE,
	.write = xtkc_write,
	.read = xtkc_read,
	.llseek = default_llseek,
};

static const struct btf_kfunc_id_set xtkc_fmodret_set = {
	.owner = THIS_MODULE,
	.set = &xtkc_fmodret_ids,
};

static struct dentry *xtkc_dir;

static int __init xtkc_init(void)
{
	int err = register_btf_fmodret_id_set(&xtkc_fmodret_set);

	if (err)
		return err;
	xtkc_dir = debugfs_create_dir("xtkc", NULL);
	debugfs_create_file("call", 0600, xtkc_dir, NULL, &xtkc_fops);
	return 0;
}

static void __exit xtkc_exit(void)
{
	debugfs_remove_recursive(xtkc_dir);
}

module_init(xtkc_init);
module_exit(xtkc_exit);
)";

}  // namespace

ModuleSource make_module_source(const std::vector<std::string>& files, const std::string& host_cc,
                                const std::string& workdir,
                                const std::function<std::string(const std::string&)>& excluded) {
  ModuleSource ms;
  std::string includes, body, calls, fns, ids;
  std::set<std::string> seen;
  unsigned n = 0;
  for (size_t fi = 0; fi < files.size(); ++fi) {
    const std::string dir = workdir + "/decls" + std::to_string(fi);
    fs::create_directories(dir);
    const ProbedDeclarations pd = probe_declarations(files[fi], host_cc, dir);
    const std::string inc = "xtkc_decls" + std::to_string(fi) + ".h";
    ms.includes.emplace_back(pd.file, inc);
    includes += "#include \"" + inc + "\"\n";
    std::unique_ptr<struct btf, void (*)(struct btf*)> b(
        btf__parse_elf(pd.probe_o.c_str(), nullptr), btf__free);
    if (!b)
      throw Error(Errc::malformed_btf, pd.probe_o + ": no BTF (does " + host_cc +
                                           " support -gbtf? GCC 12 or later does)");
    Spelling spell(b.get());
    for (const DeclaredFunction& d : pd.functions) {
      ModuleFunction f{d.name, d.where, d.unsupported, 0};
      if (f.unsupported.empty() && !seen.insert(f.name).second)
        f.unsupported = "declared in an earlier file too";
      if (f.unsupported.empty() && excluded) f.unsupported = excluded(f.name);
      const int fid = f.unsupported.empty()
                          ? btf__find_by_name_kind(b.get(), f.name.c_str(), BTF_KIND_FUNC)
                          : 0;
      if (f.unsupported.empty() && fid <= 0)
        f.unsupported = "no BTF for it (not a plain function declaration)";
      if (!f.unsupported.empty()) {
        ms.functions.push_back(f);
        continue;
      }
      const struct btf_type* proto = btf__type_by_id(b.get(), btf__type_by_id(b.get(), fid)->type);
      const struct btf_param* params = btf_params(proto);
      const unsigned nparams = btf_vlen(proto);
      f.nargs = nparams;
      if (nparams > 0 && params[nparams - 1].type == 0) f.unsupported = "varargs";
      if (f.unsupported.empty() && nparams > 32)
        f.unsupported = std::to_string(nparams) + " arguments (the module records at most 32)";
      if (f.unsupported.empty()) f.unsupported = unnamable(b.get(), proto->type);
      for (unsigned i = 0; i < nparams && f.unsupported.empty(); ++i)
        if (std::string why = unnamable(b.get(), params[i].type); !why.empty())
          f.unsupported = "argument " + std::to_string(i) + ": " + why;
      if (f.unsupported.empty() &&
          btf::prototype_holds_floating_point(b.get(), static_cast<uint32_t>(fid)))
        f.unsupported = "floating point (kernel C has none: not built into a module)";
      ms.functions.push_back(f);
      if (!f.unsupported.empty()) continue;

      const bool is_void = proto->type == 0;
      std::string plist, records, locals, fills, args;
      for (unsigned i = 0; i < nparams; ++i) {
        const std::string a = "xt_a" + std::to_string(i);
        plist += (i ? ", " : "") + spell.decl(params[i].type, a);
        records += "  xtkc_in_arg(" + std::to_string(i) + ", &" + a + ", sizeof " + a + ");\n";
        locals += "  " + spell.decl(params[i].type, a) + ";\n";
        fills += fill(b.get(), params[i].type, a, i);
        fills += "  xtkc_align[" + std::to_string(i) + "] = __alignof__(__typeof__(" + a + "));\n";
        args += (i ? ", " : "") + a;
      }
      const std::string head =
          spell.decl(proto->type, f.name + "(" + (nparams ? plist : "void") + ")");
      // The callee.
      body += "\n/* " + f.where + " */\n__attribute__((noipa)) " + head + "\n{\n";
      if (!is_void) body += "  " + spell.decl(proto->type, "xt_r") + ";\n\n";
      body += "  ++xtkc_called;\n" + records;
      if (!is_void) body += fill(b.get(), proto->type, "xt_r", nparams) + "  return xt_r;\n";
      body += "}\n";
      // The caller.
      const std::string idx = std::to_string(n);
      body += "\nstatic __attribute__((noipa)) void xtkc_call_" + idx + "(void)\n{\n" + locals;
      if (!is_void) body += "  " + spell.decl(proto->type, "xt_r") + ";\n";
      body += "\n  xtkc_nalign = " + std::to_string(nparams) + ";\n" + fills;
      if (is_void) {
        body += "  " + f.name + "(" + args + ");\n";
      } else {
        body += "  xt_r = " + f.name + "(" + args + ");\n  xtkc_out_ret(&xt_r, sizeof xt_r);\n";
      }
      body += "}\n";
      calls += "\txtkc_call_" + idx + ",\n";
      fns += "\t(void *)" + f.name + ",\n";
      ids += "BTF_ID_FLAGS(func, " + f.name + ")\n";
      ++n;
    }
  }
  if (n == 0) return ms;
  ms.c_source = "/* Generated by xtramp kernel-check. */\n" + std::string(kPrologue) + includes +
                kRuntime + body + "\nstatic void (*const xtkc_calls[])(void) = {\n" + calls +
                "};\n\nstatic void *const xtkc_fns[] = {\n" + fns +
                "};\n\nBTF_KFUNCS_START(xtkc_fmodret_ids)\n" + ids +
                "BTF_KFUNCS_END(xtkc_fmodret_ids)\n" + kTrigger;
  return ms;
}

}  // namespace xtramp::conform::kernel
