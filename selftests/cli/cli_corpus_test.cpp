// The CLI on the corpus object compiled in the build (corpus.c): what C and
// the kernel's btf_distill_func_proto say about each function, checked in
// the text and JSON outputs. Expectations come from corpus.c, not from xtramp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_run.hpp"

namespace xtramp::test {
namespace {

using nlohmann::json;

struct Json {
  CliResult run;
  json doc;
};

Json model_json(std::vector<std::string> args) {
  args.insert(args.begin(), {"model", "--btf", corpus_path(), "--json"});
  Json j{run_cli(args), nullptr};
  EXPECT_EQ(j.run.signal, 0);
  EXPECT_TRUE(json::accept(j.run.out)) << j.run.out << j.run.err;
  if (json::accept(j.run.out)) j.doc = json::parse(j.run.out);
  return j;
}

CliResult model_text(std::vector<std::string> args) {
  args.insert(args.begin(), {"model", "--btf", corpus_path()});
  return run_cli(args);
}

const char* const kValueKeys[] = {
    "name",          "type",         "size",          "align",
    "align_certain", "align_source", "natural_align", "largest_member_size",
    "kind",          "signed",       "struct_arg",    "packed",
    "bitfields",     "fields"};

void expect_value_shape(const json& v) {
  ASSERT_TRUE(v.is_object()) << v;
  for (const char* key : kValueKeys) EXPECT_TRUE(v.contains(key)) << key << " in " << v;
  for (const json& f : v["fields"]) {
    for (const char* key : {"offset", "size", "kind", "bit_offset", "bit_size"}) {
      EXPECT_TRUE(f.contains(key)) << key << " in " << f;
    }
  }
}

std::string kernel_message(const std::string& tail) {
  return "The function " + tail;
}

TEST(CliCorpus, StructPairAcceptedByBothModes) {
  const Json j = model_json({"corpus_pair"});
  EXPECT_EQ(j.run.exit_code, 0);
  const json& f = j.doc;
  ASSERT_TRUE(f.is_object()) << "one FUNC gives one object, not an array";
  for (const char* key : {"name", "args", "ret", "target", "kernel"}) EXPECT_TRUE(f.contains(key));
  EXPECT_EQ(f["name"], "corpus_pair");
  EXPECT_EQ(f["target"], corpus_arch());
  ASSERT_EQ(f["args"].size(), 1u);
  const json& p = f["args"][0];
  expect_value_shape(p);
  expect_value_shape(f["ret"]);
  EXPECT_EQ(p["name"], "p");
  EXPECT_EQ(p["type"], "struct pair16");
  EXPECT_EQ(p["kind"], "struct");
  EXPECT_EQ(p["size"], 16);
  EXPECT_EQ(p["align"], 8);
  EXPECT_EQ(p["largest_member_size"], 8);
  EXPECT_EQ(p["struct_arg"], true);
  EXPECT_EQ(p["fields"].size(), 2u);
  EXPECT_EQ(f["ret"]["kind"], "int");
  EXPECT_EQ(f["ret"]["signed"], true);
  const json& k = f["kernel"];
  EXPECT_EQ(k["accepted"], true);
  EXPECT_EQ(k["nr_args"], 1);
  EXPECT_EQ(k["arg_size"], json::array({16}));
  EXPECT_EQ(k["arg_flags"], json::array({1}));  // BTF_FMODEL_STRUCT_ARG
  EXPECT_EQ(k["ret_size"], 8);
  EXPECT_EQ(k["ret_flags"], 2);  // BTF_FMODEL_SIGNED_ARG
  EXPECT_EQ(k["arg_largest_member_size"], json::array({8}));
}

TEST(CliCorpus, SmallSignedAndUnsigned) {
  const Json j = model_json({"--kernel-compat", "corpus_small"});
  EXPECT_EQ(j.run.exit_code, 0);
  EXPECT_EQ(j.doc["kernel"]["arg_size"], json::array({1, 2}));
  EXPECT_EQ(j.doc["kernel"]["arg_flags"], json::array({2, 0}));
  EXPECT_EQ(j.doc["args"][0]["signed"], true);
  EXPECT_EQ(j.doc["args"][1]["signed"], false);
}

TEST(CliCorpus, KernelRejectionsCarryTheKernelsMessages) {
  const std::pair<const char*, std::string> cases[] = {
      {"corpus_big", "corpus_big arg0 type STRUCT is unsupported."},
      {"corpus_float_arg", "corpus_float_arg arg1 type FLOAT is unsupported."},
      {"corpus_float", "corpus_float return type FLOAT is unsupported."},
      {"corpus_ret_struct", "corpus_ret_struct return type STRUCT is unsupported."},
      {"corpus_varargs", "corpus_varargs with variable args is unsupported."},
      {"corpus_args13", "corpus_args13 has 13 arguments. Too many."},
  };
  for (const auto& [func, tail] : cases) {
    SCOPED_TRACE(func);
    const CliResult text = model_text({"--kernel-compat", func});
    EXPECT_EQ(text.exit_code, 1) << text.out << text.err;
    EXPECT_NE(text.out.find(kernel_message(tail)), std::string::npos) << text.out;
    EXPECT_EQ(text.err, "");
    const Json j = model_json({"--kernel-compat", func});
    EXPECT_EQ(j.run.exit_code, 1);
    EXPECT_EQ(j.doc["accepted"], false);
    EXPECT_EQ(j.doc["kernel"]["accepted"], false);
    EXPECT_EQ(j.doc["kernel"]["message"], kernel_message(tail));
  }
}

TEST(CliCorpus, ExtendedModeAcceptsWhatTheKernelRefuses) {
  for (const char* func : {"corpus_big", "corpus_float_arg", "corpus_float", "corpus_ret_struct",
                           "corpus_args13", "corpus_long_double"}) {
    SCOPED_TRACE(func);
    const Json j = model_json({func});
    EXPECT_EQ(j.run.exit_code, 0) << j.run.err;
    EXPECT_EQ(j.doc["accepted"], true);
    EXPECT_EQ(j.doc["kernel"]["accepted"], false);
  }
  const Json j13 = model_json({"corpus_args13"});
  EXPECT_EQ(j13.doc["args"].size(), 13u);
  const Json jf = model_json({"corpus_float"});
  EXPECT_EQ(jf.doc["args"][0]["kind"], "float");
  EXPECT_EQ(jf.doc["args"][0]["size"], 4);
  EXPECT_EQ(jf.doc["args"][1]["size"], 8);
  const Json jb = model_json({"corpus_big"});
  EXPECT_EQ(jb.doc["args"][0]["size"], 40);
  EXPECT_EQ(jb.doc["args"][0]["largest_member_size"], 8);
}

TEST(CliCorpus, VarargsRejectedInBothModes) {
  const CliResult text = model_text({"corpus_varargs"});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("rejected"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("corpus_varargs"), std::string::npos);
  EXPECT_NE(text.out.find("variable"), std::string::npos) << text.out;
  const Json j = model_json({"corpus_varargs"});
  EXPECT_EQ(j.run.exit_code, 1);
  EXPECT_EQ(j.doc["accepted"], false);
  EXPECT_TRUE(j.doc.contains("error"));
  EXPECT_TRUE(j.doc["args"].empty());
  EXPECT_TRUE(j.doc["ret"].is_null());
}

TEST(CliCorpus, TwelveArgumentsIsTheKernelsLimit) {
  const Json j = model_json({"--kernel-compat", "corpus_args12"});
  EXPECT_EQ(j.run.exit_code, 0);
  EXPECT_EQ(j.doc["kernel"]["nr_args"], 12);
}

TEST(CliCorpus, OverAlignmentNeedsDwarf) {
  const Json with = model_json({"corpus_aligned"});
  const json& a = with.doc["args"][0];
  EXPECT_EQ(a["size"], 16);
  EXPECT_EQ(a["align"], 16);
  EXPECT_EQ(a["align_certain"], true);
  EXPECT_EQ(a["align_source"], "dwarf");
  EXPECT_EQ(a["natural_align"], 4);

  const Json without = model_json({"--no-dwarf", "corpus_aligned"});
  EXPECT_EQ(without.doc["args"][0]["align_certain"], false);
  EXPECT_EQ(without.doc["args"][0]["align_source"], "btf-inferred");
  const CliResult text = model_text({"--no-dwarf", "corpus_aligned"});
  EXPECT_NE(text.out.find("btf-inferred?"), std::string::npos) << text.out;
}

TEST(CliCorpus, PackedBitfieldsUnions) {
  const Json j = model_json({"corpus_packed", "corpus_bits", "corpus_union"});
  ASSERT_TRUE(j.doc.is_array());
  ASSERT_EQ(j.doc.size(), 3u);
  const json& packed = j.doc[0]["args"][0];
  EXPECT_EQ(packed["size"], 5);
  EXPECT_EQ(packed["align"], 1);
  EXPECT_EQ(packed["packed"], true);
  EXPECT_EQ(packed["largest_member_size"], 4);
  const json& bits = j.doc[1]["args"][0];
  EXPECT_EQ(bits["bitfields"], true);
  EXPECT_EQ(bits["size"], 8);
  int bitfields = 0;
  for (const json& f : bits["fields"]) bitfields += f["bit_size"].get<int>() > 0;
  EXPECT_EQ(bitfields, 2);
  const json& un = j.doc[2]["args"][0];
  EXPECT_EQ(un["kind"], "union");
  EXPECT_EQ(un["struct_arg"], true);
  const json& nested = j.doc[2]["args"][1];
  EXPECT_EQ(nested["size"], 12);
  EXPECT_EQ(nested["largest_member_size"], 4);
  EXPECT_EQ(j.doc[2]["kernel"]["arg_flags"], json::array({1, 1}));
}

TEST(CliCorpus, WideScalars) {
  const unsigned wide_align = corpus_arch() == "s390x" ? 8 : 16;
  const Json j = model_json({"corpus_int128", "corpus_long_double"});
  const json& i128 = j.doc[0]["args"][0];
  EXPECT_EQ(i128["kind"], "int128");
  EXPECT_EQ(i128["size"], 16);
  EXPECT_EQ(i128["align"], wide_align);
  EXPECT_EQ(j.doc[0]["kernel"]["accepted"], true);  // distill takes a 16-byte INT
  const json& ld = j.doc[1]["args"][0];
  EXPECT_EQ(ld["kind"], "long_double");
  EXPECT_EQ(ld["size"], 16);
  EXPECT_EQ(ld["align"], wide_align);
}

TEST(CliCorpus, VoidFunction) {
  const Json j = model_json({"--kernel-compat", "corpus_void"});
  EXPECT_EQ(j.run.exit_code, 0);
  EXPECT_TRUE(j.doc["args"].empty());
  EXPECT_EQ(j.doc["ret"]["kind"], "void");
  EXPECT_EQ(j.doc["kernel"]["nr_args"], 0);
  EXPECT_EQ(j.doc["kernel"]["ret_size"], 0);
}

TEST(CliCorpus, AllAndSummary) {
  const Json all = model_json({"--all"});
  ASSERT_TRUE(all.doc.is_array());
  EXPECT_EQ(all.doc.size(), 16u);   // every function defined in corpus.c
  EXPECT_EQ(all.run.exit_code, 1);  // corpus_varargs

  const Json s = model_json({"--all", "--summary", "--kernel-compat"});
  EXPECT_EQ(s.run.exit_code, 0);
  EXPECT_EQ(s.doc["functions"], 16);
  EXPECT_EQ(s.doc["accepted"], 9);
  EXPECT_EQ(s.doc["rejected"], 7);
  std::map<std::string, int> groups;
  for (const json& g : s.doc["groups"]) groups[g["pattern"]] = g["count"];
  EXPECT_EQ(groups["The function %s return type FLOAT is unsupported."], 2);
  EXPECT_EQ(groups["The function %s arg%d type FLOAT is unsupported."], 1);
  EXPECT_EQ(groups["The function %s arg%d type STRUCT is unsupported."], 1);
  EXPECT_EQ(groups["The function %s has %d arguments. Too many."], 1);
  EXPECT_EQ(groups["The function %s return type STRUCT is unsupported."], 1);
  EXPECT_EQ(groups["The function %s with variable args is unsupported."], 1);
  EXPECT_EQ(s.doc["extended_accepted"], 15);
  EXPECT_EQ(s.doc["shapes"]["over_12_args"], 1);
  EXPECT_EQ(s.doc["shapes"]["float_arg"], 3);

  const CliResult text = model_text({"--all", "--summary"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("functions: 16"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("corpus_varargs"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace xtramp::test
