// The one error type of the library. Every message names what it is about
// (function, argument, file) and why; the CLI prints it on one line.
#pragma once

#include <stdexcept>
#include <string>

namespace xtramp {

enum class Errc {
  io,             // a file cannot be opened or read
  malformed_btf,  // BTF (or the ELF around it) cannot be parsed
  not_found,      // no function of that name
  not_function,   // the name exists but is not a function
  unsupported,    // a valid prototype the requested mode cannot handle
  too_many_args,  // more arguments than the mode allows
  bad_request,    // a request that makes no sense (wrong arch, bad option)
};

class Error : public std::runtime_error {
 public:
  Error(Errc code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
  Errc code() const noexcept { return code_; }

 private:
  Errc code_;
};

}  // namespace xtramp
