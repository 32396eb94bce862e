// BTF bytes in the host's byte order, for libbpf versions that cannot parse
// every non-native BTF themselves.
//
// libbpf 1.1 (Debian 12's) byte-swaps a non-native BTF only when its header is
// exactly the 24-byte `struct btf_header`; any longer header is refused with
// ENOTSUP ("Can't load BTF with non-native endianness due to unsupported
// header length", btf_parse_hdr in
// https://github.com/libbpf/libbpf/blob/v1.1.0/src/btf.c). Linux 7.x's module
// BTF (.BTF and the distilled .BTF.base) carries a 32-byte header (two more
// words after str_len), so an s390x module's BTF does not open on a
// little-endian host. Every field of every BTF type record is a 32-bit word
// (include/uapi/linux/btf.h), so the type section swaps word by word without
// decoding kinds; strings are bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace xtramp::btf {

// A copy of `raw` (a BTF blob: header, types, strings) in the host's byte
// order with the 24-byte header libbpf 1.1 knows (type and string sections
// keep their offsets: both are relative to the header's end; header words past
// str_len are dropped), or nullopt when `raw` already is in host order (libbpf
// parses it as is). Throws Error(malformed_btf) when the header does not
// describe sections inside `raw`.
std::optional<std::vector<uint8_t>> host_order_btf(std::span<const uint8_t> raw);

}  // namespace xtramp::btf
