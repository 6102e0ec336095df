// Build identity. Every cnipp binary carries, in the ELF section ".cnipp.ident", the line
// "cnipp <binary> <version> <digest of the sources>". Two binaries whose lines differ only
// in <binary> were built from the same code, so one may run the other's code in-process
// (in-process IPAM delegation, delegate.hpp) and behave exactly as the exec would.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cni {

// The ident line a binary named `binary` of this very build carries.
std::string ident_of(std::string_view binary);

// The ident line in the ELF file at `path`; nullopt when the file cannot be read, is not a
// 64-bit ELF file, or has no such section (a binary from elsewhere, a script, a wrapper).
std::optional<std::string> read_ident(const std::string& path);

}  // namespace cni
