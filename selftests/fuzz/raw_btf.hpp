// A minimal writer and walker for raw BTF (the .BTF section format), with no
// validation at all: the fuzz seeds need type graphs libbpf would never
// build (cycles, dangling ids, absurd sizes and counts).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xtramp::fuzz {

enum BtfKind : uint32_t {
  kInt = 1,
  kPtr,
  kArray,
  kStruct,
  kUnion,
  kEnum,
  kFwd,
  kTypedef,
  kVolatile,
  kConst,
  kRestrict,
  kFunc,
  kFuncProto,
  kVar,
  kDatasec,
  kFloat,
  kDeclTag,
  kTypeTag,
  kEnum64,
};

struct Member {
  std::string name;
  uint32_t type = 0;
  uint32_t offset = 0;  // in bits; with kflag: bitfield size << 24 | bit offset
};

class RawBtfBuilder {
 public:
  // The id the next added type gets (ids start at 1; 0 is void).
  uint32_t next_id() const { return static_cast<uint32_t>(types_.size()) + 1; }

  // A type record: header words plus kind-specific words, nothing checked.
  uint32_t add(uint32_t kind, const std::string& name, uint32_t vlen, bool kflag,
               uint32_t size_or_type, const std::vector<uint32_t>& extra = {});

  uint32_t int_(const std::string& name, uint32_t size, uint32_t bits, bool is_signed);
  uint32_t float_(const std::string& name, uint32_t size);
  uint32_t ptr(uint32_t type);
  uint32_t modifier(uint32_t kind, uint32_t type, const std::string& name = "");
  uint32_t array(uint32_t elem, uint32_t nelems, uint32_t index_type = 0);
  uint32_t aggregate(uint32_t kind, const std::string& name, uint32_t size,
                     const std::vector<Member>& members, bool kflag = false);
  uint32_t enum_(const std::string& name, uint32_t size, uint32_t values);
  uint32_t func_proto(uint32_t ret, const std::vector<Member>& params);  // Member::offset unused
  uint32_t func(const std::string& name, uint32_t proto);

  std::vector<uint8_t> bytes(bool big_endian = false) const;

 private:
  uint32_t str(const std::string& s);
  std::vector<std::vector<uint32_t>> types_;
  std::string strings_{std::string(1, '\0')};
};

// Raw BTF seen as words: where each type record starts (for targeted
// mutations). Empty when the header is not raw little/big-endian BTF.
struct RawBtfLayout {
  bool big_endian = false;
  uint32_t hdr_len = 0, type_off = 0, type_len = 0, str_off = 0, str_len = 0;
  std::vector<uint32_t> record_offsets;  // byte offsets from the start of the blob
};
std::optional<RawBtfLayout> walk_raw_btf(const std::vector<uint8_t>& blob);

uint32_t load_u32(const std::vector<uint8_t>& b, size_t off, bool big_endian);
void store_u32(std::vector<uint8_t>& b, size_t off, uint32_t v, bool big_endian);

}  // namespace xtramp::fuzz
